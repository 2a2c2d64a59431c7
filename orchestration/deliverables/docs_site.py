"""`make docs`: dbt's documentation site as one static HTML file (`dbt docs generate --static`).

dbt reads the catalog from a database; it gets a temporary copy of the published warehouse (an analyst's
open session or a refresh is never disturbed) and its own target folder (Dagster's manifest stays as is).
The copy reaches dbt as a run's draft does, through the environment profiles.yml reads (`dbt_environment`):
`--vars` name no database any more, and dbt would otherwise open (and create, empty) the default file.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from orchestration.assets.dbt import dbt_environment
from orchestration.resources import dbt_resource
from orchestration.settings import DBT_PROJECT_DIR


def write_docs_site(db_path: str | Path, output: str | Path) -> Path:
    db_path, output = Path(db_path), Path(output)
    if not db_path.exists():
        raise FileNotFoundError(f"no published warehouse at {db_path}: run `make run` first")
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / db_path.name
        shutil.copyfile(db_path, copy)
        target = Path(scratch) / "target"
        subprocess.run(
            [dbt_resource().dbt_executable, "docs", "generate", "--static", "--target-path", str(target)],
            # profiles.yml reads the database file from the environment (as for a run), not from `--vars`
            cwd=DBT_PROJECT_DIR, check=True, env={**os.environ, **dbt_environment(str(copy))},
        )
        output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target / "static_index.html", output)
    return output
