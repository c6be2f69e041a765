"""The file layout the template README's map describes."""

import pytest
from bakery import TEMPLATE
from bakery import VARIANTS

VARIANTS_FOLDER = TEMPLATE / "templates" / "variants"
# What every variant writes itself; any other variant file replaces a shared
# file of the same name in templates/.
OWN_FILES = {"layer.py", "test_layer.py", "README.md", "use_in_a_model.py"}


def test_every_variant_folder_is_offered():
    folders = sorted(path.name for path in VARIANTS_FOLDER.iterdir())
    assert folders == sorted(VARIANTS)


@pytest.mark.parametrize("variant", VARIANTS)
def test_variant_files_are_its_own_or_replace_a_shared_file(variant):
    names = {path.name for path in (VARIANTS_FOLDER / variant).iterdir()}
    assert OWN_FILES <= names, f"{variant} lacks {sorted(OWN_FILES - names)}"
    for name in names - OWN_FILES:
        assert (TEMPLATE / "templates" / name).is_file(), (
            f"templates/variants/{variant}/{name} replaces no shared templates/{name}"
        )


def test_readme_map_names_every_shared_file_a_variant_may_replace():
    readme = (TEMPLATE / "README.md").read_text()
    replaced = {
        path.name for path in VARIANTS_FOLDER.glob("*/*") if path.name not in OWN_FILES
    }
    for name in sorted(replaced | OWN_FILES):
        assert f"`{name}`" in readme or f"/{name}`" in readme, name
