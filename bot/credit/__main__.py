"""``python -m bot.credit train``: fit the production model and write its artifact."""
import sys

from .train import main as train_main

USAGE = "usage: python -m bot.credit train [--out DIR] [--subsample N]"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] != "train":
        print(USAGE, file=sys.stderr)
        return 2
    return train_main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
