from .cli import main

main(prog_name="logpipe")  # the same name as the installed command (usage lines, _LOGPIPE_COMPLETE)
