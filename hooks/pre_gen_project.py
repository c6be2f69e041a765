"""Refuses answers that cannot give a working project, before any file is written.

cookiecutter already checks these rules while it renders the answers, and again
before it writes a replayed project (see `local_extensions.py`, which this hook
imports from the template folder); the hook checks them once more for any caller
that renders this template without its extensions.
"""

import json
import sys

# Answers are read as data: Jinja's `tojson` escapes every backslash and double
# quote and writes ' as \u0027, so no answer can end this string or run as code.
ANSWERS = json.loads(r'''{{ cookiecutter | tojson }}''')
TEMPLATE_FOLDER = json.loads(r'''{{ template_folder | tojson }}''')


def main(answers):
    sys.path.insert(0, TEMPLATE_FOLDER)
    from local_extensions import answer_errors
    from local_extensions import unknown_answer_errors

    errors = unknown_answer_errors(answers, "in the answers") + answer_errors(answers)
    for error in errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(ANSWERS))
