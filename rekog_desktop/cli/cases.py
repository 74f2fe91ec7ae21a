"""`rekog case`, `rekog user`, `rekog decide`, `rekog verify-decision`, `rekog export`,
`rekog audit`: the accountable-review commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_OK, cli
from rekog_desktop.cli.context import CliContext
from rekog_desktop.core.audit import trail
from rekog_desktop.core.cases.cases import add_note, close_case, create_case, get_case, list_cases
from rekog_desktop.core.cases.decisions import (
    Verdict,
    Verification,
    record_decision,
    verify_decision,
)
from rekog_desktop.core.cases.searches import pending_verifications
from rekog_desktop.core.cases.users import Role, create_user, list_users, resolve_reviewer
from rekog_desktop.core.common.clock import os_user
from rekog_desktop.core.report.case_notes import export_case_pdf


@cli.group("case")
def case_group() -> None:
    """Create, list, annotate and close cases."""


@case_group.command("new")
@click.option("--number", required=True, help="Case number, unique in this store.")
@click.option("--title", required=True)
@click.option("--purpose", required=True, help="Offence or purpose of the searches.")
@click.option("--legal-basis", required=True, help="The legal basis for searching.")
@click.option("--officer", help="Officer in charge (default: the reviewer).")
@click.option("--reviewer", help="App user creating the case (default: the OS user).")
@click.pass_obj
def case_new(
    obj: CliContext,
    number: str,
    title: str,
    purpose: str,
    legal_basis: str,
    officer: str | None,
    reviewer: str | None,
) -> int:
    with obj.open_store() as store:
        actor = resolve_reviewer(store, reviewer).name
        case = create_case(
            store,
            number=number,
            title=title,
            purpose=purpose,
            legal_basis=legal_basis,
            officer=officer or actor,
            actor=actor,
        )
    click.echo(f"Opened case {case.number}: {case.title}")
    return EXIT_OK


@case_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def case_list(obj: CliContext, as_json: bool) -> int:
    with obj.open_store() as store:
        cases = list_cases(store)
    if as_json:
        click.echo(json.dumps([c.as_dict() for c in cases]))
    else:
        for c in cases:
            click.echo(f"{c.number}\t{c.status}\t{c.opened_utc}\t{c.title}")
    return EXIT_OK


@case_group.command("note")
@click.argument("number")
@click.argument("text")
@click.option("--reviewer")
@click.pass_obj
def case_note(obj: CliContext, number: str, text: str, reviewer: str | None) -> int:
    """Append a timestamped note to a case (notes are never edited)."""
    with obj.open_store() as store:
        add_note(store, number, text, author=resolve_reviewer(store, reviewer).name)
    return EXIT_OK


@case_group.command("close")
@click.argument("number")
@click.option("--reviewer")
@click.pass_obj
def case_close(obj: CliContext, number: str, reviewer: str | None) -> int:
    with obj.open_store() as store:
        close_case(store, number, actor=resolve_reviewer(store, reviewer).name)
    return EXIT_OK


@cli.group("user")
def user_group() -> None:
    """Local app users who run searches and make decisions."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", is_flag=True, help="Ask for a password (stored as a scrypt hash).")
@click.option("--reviewer", help="App user adding this user (default: the OS user).")
@click.pass_obj
def user_add(obj: CliContext, name: str, role: str, password: bool, reviewer: str | None) -> int:
    secret = (
        click.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    )
    with obj.open_store() as store:
        actor = resolve_reviewer(store, reviewer).name if reviewer else os_user()
        create_user(store, name, role, password=secret, actor=actor)
    return EXIT_OK


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def user_list(obj: CliContext, as_json: bool) -> int:
    with obj.open_store() as store:
        users = list_users(store)
    if as_json:
        click.echo(json.dumps([{"name": u.name, "role": u.role.value} for u in users]))
    else:
        for u in users:
            click.echo(f"{u.name}\t{u.role.value}")
    return EXIT_OK


@cli.command("decide")
@click.option("--search", "search_id", type=int, required=True)
@click.option("--rank", type=click.IntRange(min=1), required=True)
@click.option("--verdict", type=click.Choice([v.value for v in Verdict]), required=True)
@click.option("--reason", default="", help="Why (required to accept).")
@click.option("--reviewer")
@click.pass_obj
def decide(
    obj: CliContext, search_id: int, rank: int, verdict: str, reason: str, reviewer: str | None
) -> int:
    """Record a person's decision on one candidate of a search."""
    with obj.open_store() as store:
        who = resolve_reviewer(store, reviewer).name
        decision = record_decision(
            store, search_id=search_id, rank=rank, verdict=verdict, reason=reason, reviewer=who
        )
    click.echo(
        f"Decision {decision.id}: {decision.verdict.value} (search {search_id}, rank {rank})"
    )
    return EXIT_OK


@cli.command("verify-decision")
@click.option("--case", "case_number", help="With --list: the case to list pairs of.")
@click.option("--list", "list_only", is_flag=True, help="List accepted pairs awaiting you, blind.")
@click.option("--decision", "decision_id", type=int)
@click.option("--verdict", type=click.Choice([v.value for v in Verification]))
@click.option("--reason", default="")
@click.option("--reviewer", required=True, help="The second reviewer (not the decision's own).")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify_cmd(
    obj: CliContext,
    case_number: str | None,
    list_only: bool,
    decision_id: int | None,
    verdict: str | None,
    reason: str,
    reviewer: str,
    as_json: bool,
) -> int:
    """Peer verification: re-examine an accepted pair blind, then confirm or dispute it."""
    with obj.open_store() as store:
        who = resolve_reviewer(store, reviewer).name
        if list_only:
            if not case_number:
                raise click.UsageError("--list needs --case NUMBER")
            pairs = pending_verifications(store, case_number, reviewer=who)
            rows = [
                {
                    "decision": p.decision_id,
                    "probe": p.probe_path,
                    "probe_box": p.probe_box.as_list(),
                    "candidate_photo": p.candidate_photo,
                    "candidate_box": p.candidate_box.as_list(),
                    "subject": p.subject,
                }
                for p in pairs
            ]
            click.echo(json.dumps(rows) if as_json else "\n".join(json.dumps(r) for r in rows))
            return EXIT_OK
        if decision_id is None or verdict is None:
            raise click.UsageError("give --decision ID and --verdict confirm|dispute (or --list)")
        record = verify_decision(
            store, decision_id=decision_id, verdict=verdict, reason=reason, reviewer=who
        )
    click.echo(f"Decision {decision_id}: {record.verdict.value} by {record.reviewer}")
    return EXIT_OK


@cli.command("export")
@click.argument("number")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--reviewer")
@click.pass_obj
def export_cmd(obj: CliContext, number: str, pdf_path: Path, reviewer: str | None) -> int:
    """Export the case notes as PDF (its SHA-256 is logged in the audit trail)."""
    with obj.open_store() as store:
        get_case(store, number)
        who = resolve_reviewer(store, reviewer).name
        result = export_case_pdf(store, number, pdf_path, actor=who)
    click.echo(f"Wrote {result.path} ({result.pages} pages), SHA-256 {result.sha256}")
    return EXIT_OK


@cli.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: CliContext, as_json: bool) -> int:
    """Recompute the hash chain: exit 0 when intact, 1 naming the first bad event."""
    with obj.open_store() as store:
        status = trail.verify_chain(store)
    if as_json:
        click.echo(json.dumps(status.as_dict()))
    elif status.ok:
        click.echo(f"OK: {status.events} events, head {status.head_hash}")
    else:
        click.echo(f"BROKEN at event {status.first_bad_id}: {status.problem}")
    return EXIT_OK if status.ok else 1


@audit_group.command("list")
@click.option("--case", "case_number")
@click.option("--type", "event_type")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_list(
    obj: CliContext, case_number: str | None, event_type: str | None, as_json: bool
) -> int:
    with obj.open_store() as store:
        events = trail.list_events(store, case_number=case_number, event_type=event_type)
    for e in events:
        row = {
            "id": e.id,
            "created_utc": e.created_utc,
            "actor": e.actor,
            "os_user": e.os_user,
            "case": e.case_number,
            "event_type": e.event_type,
            "data": e.data,
            "hash": e.hash,
        }
        click.echo(
            json.dumps(row)
            if as_json
            else f"{e.id}\t{e.created_utc}\t{e.actor}\t{e.case_number or '-'}\t{e.event_type}"
        )
    return EXIT_OK
