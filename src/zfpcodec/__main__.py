"""``python -m zfpcodec``: the command line (see `zfpcodec.cli`)."""

from .cli import main

raise SystemExit(main())
