"""What the package exports, and the version it reports."""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version

from mask_contract import check_that

import {{ cookiecutter.package_name }} as package

DISTRIBUTION = {{ cookiecutter.project_slug | python_string }}


def test_every_exported_name_is_importable():
    missing = [name for name in package.__all__ if not hasattr(package, name)]
    check_that(
        not missing,
        "every name in __all__ must be importable from the package",
        expected="none missing",
        actual=missing,
    )


def test_version_comes_from_the_installed_metadata():
    try:
        expected = version(DISTRIBUTION)
    except PackageNotFoundError:
        expected = "0+unknown"  # a checkout that was never installed
    check_that(
        package.__version__ == expected,
        "__version__ must be the installed distribution's version",
        expected=expected,
        actual=package.__version__,
        where=DISTRIBUTION,
    )
