from .start import main

main()  # `python -m logpipe`: the same program, called `logpipe`, as the installed command
