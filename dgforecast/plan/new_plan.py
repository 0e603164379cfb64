"""``dgforecast new-plan DIR``: an empty, valid plan folder to fill in, so a new plan starts from a command.

The files are the package's templates in ``dgforecast/plan/scaffold/``: params.yaml with one scenario and every
default shown; data/raw/plan.yaml with placeholders (a title, the month written, the base year, one
example measure) commented in Chinese and English; the CSV files of data/raw/ with their headers and no rows
(the loaders take no comment lines); and a README.md saying what goes in each file, with a worked row. The
templates are ``string.Template`` texts: ``${base_year}`` and the like are filled from the options, the lists
of measure roles and kinds of target and evidence from the schema itself, so the README cannot drift from it.

The folder is written whole or not at all: into a hidden staging folder beside it, then renamed into place.
A folder that exists and holds anything is refused (one line, nothing written).
"""

import datetime as dt
import json
import os
import shutil
from importlib.resources import files
from pathlib import Path
from string import Template

import yaml
from pydantic import ValidationError

from dgforecast.core.errors import ParamsError
from dgforecast.core.fileio import temp_folder
from dgforecast.core.kinds import TARGET_KINDS
from dgforecast.core.vocabulary import COMPARISON_WORDS
from dgforecast.core.yamlfile import shown
from dgforecast.plan.data import HISTORY_COLUMNS
from dgforecast.plan.evidence import KINDS as EVIDENCE_KINDS
from dgforecast.plan.plan_file import PLAN_FILE, ROLES, Plan

#: The folder of templates inside the package (pyproject.toml ships it as package data).
SCAFFOLD = "scaffold"
PLAN_PATH = f"data/raw/{PLAN_FILE}"
DEFAULT_TITLE = ("新规划", "New plan")
#: The worked rows of the README count this many years from the base year to the example targets' deadline.
EXAMPLE_YEARS = 5
#: The options that set a field of plan.yaml, for a message that names the option the user typed.
OPTION_OF = {("plan", "title_zh"): "--title", ("plan", "title_en"): "--title-en",
             ("plan", "base_year"): "--base-year", ("plan", "plan_month"): "--plan-month"}
JUDGED_ON = {"paths": "judged on simulated paths of its measure",
             "pace": "judged on the counts entered each year (target_progress.csv)",
             "event": "done or not, from target_progress.csv"}


def scaffold_texts() -> dict[str, str]:
    """The templates as they are shipped: path inside the new folder (``data/raw/plan.yaml``) -> text."""
    found = {}

    def walk(node, prefix):
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.name.startswith((".", "__")):
                continue
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            else:
                found[f"{prefix}{child.name}"] = child.read_text(encoding="utf-8")

    walk(files("dgforecast.plan") / SCAFFOLD, "")
    return found


def _schema_lists() -> dict[str, str]:
    """The README's lists, written from the schema: measure roles, target kinds, evidence kinds, history columns."""
    roles = "\n".join(f"- `{name}`: {role.meaning}" for name, role in ROLES.items())
    kinds = "\n".join(f"- `{k.name}`（{k.label_zh} · {k.label_en}）: {JUDGED_ON[k.judged_on]}"
                      for k in TARGET_KINDS.values())
    evidence = "\n".join(f"- `{name}`: {meaning}" for name, meaning in EVIDENCE_KINDS.items())
    wordings = "; ".join(f"{sign} {'、'.join(words)}" for sign, words in COMPARISON_WORDS.items())
    return {"roles": roles, "target_kinds": kinds, "evidence_kinds": evidence,
            "history_columns": ",".join(HISTORY_COLUMNS), "wordings": wordings}


def template_values(title_zh=None, title_en=None, base_year=None, plan_month=None, today=None) -> dict:
    """What fills the templates' ``${...}``: the options, or a plan written this month on last year's figures.

    Titles appear twice: quoted for YAML (``title_zh``) and as written for the README (``title_zh_text``).
    """
    today = today or dt.date.today()
    title_zh = DEFAULT_TITLE[0] if title_zh is None else title_zh
    title_en = DEFAULT_TITLE[1] if title_en is None else title_en
    base_year = today.year - 1 if base_year is None else int(base_year)
    plan_month = today.strftime("%Y-%m") if plan_month is None else str(plan_month)
    return {"title_zh": json.dumps(title_zh, ensure_ascii=False), "title_en": json.dumps(title_en, ensure_ascii=False),
            "title_zh_text": title_zh, "title_en_text": title_en, "plan_month": plan_month,
            "base_year": str(base_year), "first_year": str(base_year + 1), "deadline": str(base_year + EXAMPLE_YEARS),
            **_schema_lists()}


def render(values) -> dict[str, str]:
    """Every template with ``values`` filled in: path inside the new folder -> text."""
    return {path: Template(text).substitute(values) for path, text in scaffold_texts().items()}


def _check_options(plan_text, values):
    """The rendered plan.yaml against the schema: a bad option is one line naming the option."""
    try:
        Plan.model_validate(yaml.safe_load(plan_text))
    except ValidationError as exc:
        err = exc.errors()[0]
        option = OPTION_OF.get(tuple(err["loc"]), ".".join(str(p) for p in err["loc"]))
        what = ("not a month; write YYYY-MM, the month the plan was written" if err["type"] == "string_pattern_mismatch"
                else err["msg"][:1].lower() + err["msg"][1:])
        raise ParamsError(f"new-plan {option} {shown(err['input'])}: {what}") from None
    for key in ("title_zh_text", "title_en_text"):
        if any(c in values[key] for c in "\r\n"):
            raise ParamsError(f"new-plan {'--title' if key == 'title_zh_text' else '--title-en'}: "
                              "a title is one line; leave out the line break")


def _refuse_occupied(folder: Path):
    if folder.is_file() or (folder.exists() and not folder.is_dir()):
        raise ParamsError(f"{folder}: is a file; new-plan writes a new folder (nothing written)")
    if folder.is_dir() and any(folder.iterdir()):
        raise ParamsError(f"{folder}: exists and is not empty; give a new or empty folder (nothing written)")


def write_plan_folder(folder, texts) -> Path:
    """Write ``texts`` (path -> text) as the folder ``folder``, all or nothing: staged beside it, then renamed.

    An empty ``folder`` is replaced; one that is filled meanwhile is not (the rename fails, the stage is removed).
    """
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = temp_folder(folder.parent, f".{folder.name}.partial-{os.getpid()}-")
    try:
        for path, text in texts.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        os.replace(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def new_plan(folder, title_zh=None, title_en=None, base_year=None, plan_month=None, today=None) -> str:
    """Write an empty, valid plan folder at ``folder`` and say what to do next.

    Parameters
    ----------
    folder : str or Path
        The new plan folder; it must not exist yet, or be empty.
    title_zh, title_en : str, optional
        The plan's short title (plan.yaml ``title_zh``, ``title_en``); default 新规划 / New plan.
    base_year : int, optional
        The year of the plan's own figures; default the year before ``today``.
    plan_month : str, optional
        The month the plan was written, YYYY-MM; default ``today``'s month.
    today : datetime.date, optional
        The date the defaults count from (default today).

    Returns
    -------
    str
        The files written and the command that checks them.

    Raises
    ------
    ParamsError
        ``folder`` exists and holds anything, or is a file; an option the plan schema refuses. Nothing is
        written then.
    """
    folder = Path(folder).expanduser().resolve()
    _refuse_occupied(folder)
    values = template_values(title_zh, title_en, base_year, plan_month, today)
    texts = render(values)
    _check_options(texts[PLAN_PATH], values)
    write_plan_folder(folder, texts)
    return (f"wrote a new plan folder {folder} ({len(texts)} files: {', '.join(texts)})\n"
            f"next: fill them in as {folder / 'README.md'} says, checking each with: "
            f"dgforecast --project {folder} data")
