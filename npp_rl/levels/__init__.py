"""npp_rl.levels: level generators per category, the solver that proves a level solvable, datasets.

* :func:`generate` (``generators``): ``generate(category, seed) -> GeneratedLevel`` for the categories in
  ``CATEGORIES`` (defined in docs/levels.md), deterministic.
* :func:`solve` (``solver``): best-first search over macro-actions on the real batched simulator;
  ``SolveResult.inputs`` win the level when replayed from the spawn (checked by :func:`verify`).
* ``generation``: ``generate_dataset`` (a process pool; byte-identical whatever the workers).
* ``dataset``: ``import_levels``, ``load_dataset`` (manifest checks),
  ``load_test_suite`` (a dataset or any folder of N++ level files), ``check_solutions``.
* ``sheet``: ``save_contact_sheet`` (thumbnails per category with the solution paths).
"""

from .dataset import (  # noqa: F401
    Dataset,
    DatasetError,
    LevelEntry,
    check_solutions,
    import_levels,
    load_dataset,
    load_test_suite,
)
from .generation import generate_dataset  # noqa: F401
from .generators import CATEGORIES, GENERATOR_VERSION, GeneratedLevel, generate  # noqa: F401
from .solver import SOLVER_VERSION, SolverConfig, SolveResult, solve, verify  # noqa: F401

__all__ = [
    "CATEGORIES", "GENERATOR_VERSION", "SOLVER_VERSION", "Dataset", "DatasetError", "GeneratedLevel",
    "LevelEntry", "SolveResult", "SolverConfig", "check_solutions", "generate", "generate_dataset",
    "import_levels", "load_dataset", "load_test_suite", "solve", "verify",
]
