"""`python -m commentsvc ...`: the `commentsvc` command without the console script."""

from .wsgi_app import main

main()
