"""The shared pieces of the pipeline's stages, which both backends call:

    find_files (find_files, remote) → opener (codecs) → cat (blocks) → records (multiline)
    → grep (matching, with dialect and engine) ; the time stages (timebounds, timestamps, timeline)
"""
