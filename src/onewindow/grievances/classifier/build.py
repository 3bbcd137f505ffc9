"""Train the router that ships with the package from the corpus's training split.

    python -m onewindow.grievances.classifier.build   # writes models_data/router-<version>.npz

The test split's figures go into the file's metadata. Older shipped files are removed:
the package carries one model.
"""

from __future__ import annotations

import argparse
import os


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--keep-old", action="store_true", help="keep older shipped files")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.config.settings")
    import django

    django.setup()
    from onewindow.grievances import classifier

    model = classifier.train(
        classifier.corpus(*classifier.TRAINING_SPLITS), version=classifier._new_version()
    )
    held_out = classifier.evaluate(model, classifier.corpus("test"))
    model.metadata.update(
        corrections=0,
        held_out_department_accuracy=round(held_out.department_accuracy, 4),
        held_out_category_accuracy=round(held_out.category_accuracy, 4),
    )
    old = sorted(classifier.PACKAGE_MODELS.glob("router-*.npz"))
    path = model.save(classifier.PACKAGE_MODELS)
    if not args.keep_old:
        for stale in old:
            stale.unlink()
    print(
        f"{path.name}: {model.metadata['training_cases']} cases, {model.metadata['terms']} terms;"
        f" test split {held_out.cases}: department {held_out.department_accuracy:.3f},"
        f" category {held_out.category_accuracy:.3f}, to a dispatcher"
        f" {held_out.dispatcher_share:.3f}, confident right {held_out.confident_accuracy:.3f};"
        f" {path.stat().st_size // 1024} KiB"
    )


if __name__ == "__main__":
    main()
