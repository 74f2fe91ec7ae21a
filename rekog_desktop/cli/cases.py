"""`rekog case`, `rekog user`, `rekog store`, `rekog decide`, `rekog verify-decision`,
`rekog export`, `rekog audit`: the accountable-review commands, thin over core.workflow.

Every command that acts signs in its officer first (--reviewer, default the OS account; a
password on the terminal or with --password-stdin), and the core's role table decides."""

from __future__ import annotations

import json
from pathlib import Path

import click

from rekog_desktop.cli import EXIT_OK, cli
from rekog_desktop.cli.context import CliContext, Passwords, officer_options
from rekog_desktop.cli.output import printable
from rekog_desktop.core import workflow
from rekog_desktop.core.audit import trail
from rekog_desktop.core.audit.checkpoint import load_checkpoint
from rekog_desktop.core.audit.verify import verify_trail
from rekog_desktop.core.cases.cases import list_cases
from rekog_desktop.core.cases.decisions import Verdict, Verification
from rekog_desktop.core.cases.policy import read_policy
from rekog_desktop.core.cases.roles import Role
from rekog_desktop.core.cases.users import (
    UserError,
    add_user,
    list_users,
    set_password,
    set_role,
)

EXIT_BROKEN = 1
ON_OFF = click.Choice(["on", "off"])


@cli.group("case")
def case_group() -> None:
    """Create, list, annotate and close cases."""


@case_group.command("new")
@click.option("--number", required=True, help="Case number, unique in this store.")
@click.option("--title", required=True)
@click.option("--purpose", required=True, help="Offence or purpose of the searches.")
@click.option("--legal-basis", required=True, help="The legal basis for searching.")
@click.option("--officer", help="Officer in charge (default: the officer signed in).")
@officer_options
@click.pass_obj
def case_new(
    obj: CliContext,
    number: str,
    title: str,
    purpose: str,
    legal_basis: str,
    officer: str | None,
    reviewer: str | None,
    password_stdin: bool,
) -> int:
    with obj.open_store(create=True) as store:
        by = obj.officer(store, reviewer, password_stdin)
        case = workflow.open_new_case(
            store,
            by,
            number=number,
            title=title,
            purpose=purpose,
            legal_basis=legal_basis,
            officer=officer,
        )
    click.echo(f"Opened case {printable(case.number)}: {printable(case.title)}")
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
            status = "purged" if c.is_purged else c.status
            click.echo(f"{printable(c.number)}\t{status}\t{c.opened_utc}\t{printable(c.title)}")
    return EXIT_OK


@case_group.command("note")
@click.argument("number")
@click.argument("text")
@officer_options
@click.pass_obj
def case_note(
    obj: CliContext, number: str, text: str, reviewer: str | None, password_stdin: bool
) -> int:
    """Append a timestamped note to a case (notes are never edited)."""
    with obj.open_store() as store:
        workflow.add_note(store, obj.officer(store, reviewer, password_stdin), number, text)
    return EXIT_OK


@case_group.command("close")
@click.argument("number")
@officer_options
@click.pass_obj
def case_close(obj: CliContext, number: str, reviewer: str | None, password_stdin: bool) -> int:
    with obj.open_store() as store:
        workflow.close_case(store, obj.officer(store, reviewer, password_stdin), number)
    return EXIT_OK


@case_group.command("purge")
@click.argument("number")
@click.option("--reason", required=True, help="Why (kept in the audit receipt).")
@officer_options
@click.option("--json", "as_json", is_flag=True, help="Print the receipt as one JSON line.")
@click.pass_obj
def case_purge(
    obj: CliContext,
    number: str,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Remove a closed case's searches, candidate snapshots (face crops), decisions,
    verifications and notes after the store's retention period (supervisor only); the bytes
    are erased from the store file and a receipt (counts, hashes, who, why) is audited."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        receipt = workflow.purge_case(store, by, number, reason)
    if as_json:
        click.echo(json.dumps(receipt.as_dict()))
    else:
        counts = ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in receipt.counts.items())
        click.echo(f"Purged case {printable(receipt.case_number)}: {counts}")
        click.echo(f"Receipt: audit event {receipt.event_id}, SHA-256 {receipt.purged_sha256}")
    return EXIT_OK


@cli.group("user")
def user_group() -> None:
    """Officers who use this store: only a supervisor adds them, changes roles and resets
    passwords (the first user of a new store is its supervisor)."""


def _new_password(passwords: Passwords, name: str) -> str:
    first = passwords(f"New password for {name}")
    if not first:
        raise UserError("no password given (type it on the terminal, or use --password-stdin)")
    if not passwords.from_stdin and passwords(f"Repeat the password for {name}") != first:
        raise UserError("the two passwords differ")
    return first


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--password",
    "with_password",
    is_flag=True,
    help="Give the new user a password (asked after yours; stored as a scrypt hash).",
)
@officer_options
@click.pass_obj
def user_add(
    obj: CliContext,
    name: str,
    role: str,
    with_password: bool,
    reviewer: str | None,
    password_stdin: bool,
) -> int:
    """Add an officer. With --password-stdin, stdin holds your password (if you have one)
    and then the new user's, one per line."""
    passwords = Passwords(password_stdin)
    with obj.open_store(create=True) as store:
        by = obj.officer(store, reviewer, passwords)
        secret = _new_password(passwords, name) if with_password else None
        user = add_user(store, by, name, role, secret)
    click.echo(f"Added {printable(user.name)} ({user.role.value})")
    return EXIT_OK


@user_group.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice([r.value for r in Role]))
@officer_options
@click.pass_obj
def user_role(
    obj: CliContext, name: str, role: str, reviewer: str | None, password_stdin: bool
) -> int:
    """Change an officer's role (supervisor only)."""
    with obj.open_store() as store:
        user = set_role(store, obj.officer(store, reviewer, password_stdin), name, role)
    click.echo(f"{printable(user.name)} is now {user.role.value}")
    return EXIT_OK


@user_group.command("password")
@click.argument("name")
@officer_options
@click.pass_obj
def user_password(obj: CliContext, name: str, reviewer: str | None, password_stdin: bool) -> int:
    """Set an officer's password: a supervisor for anyone, an officer for themselves. With
    --password-stdin: your password (if you have one), then the new one."""
    passwords = Passwords(password_stdin)
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, passwords)
        set_password(store, by, name, _new_password(passwords, name))
    click.echo(f"Password set for {printable(name)}")
    return EXIT_OK


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def user_list(obj: CliContext, as_json: bool) -> int:
    with obj.open_store() as store:
        users = list_users(store)
    if as_json:
        click.echo(
            json.dumps(
                [{"name": u.name, "role": u.role.value, "password": u.has_password} for u in users]
            )
        )
    else:
        for u in users:
            click.echo(
                f"{printable(u.name)}\t{u.role.value}"
                + ("" if u.has_password else "\t(no password)")
            )
    return EXIT_OK


@cli.group("store")
def store_group() -> None:
    """The store's policy."""


@store_group.command("policy")
@click.option("--require-passwords", type=ON_OFF, help="Every user has and gives a password.")
@click.option("--require-reasons", type=ON_OFF, help="Reject and Inconclusive need a reason.")
@click.option(
    "--retention-days",
    type=click.IntRange(min=0),
    help="Days a closed case is kept before `rekog case purge` may remove its records.",
)
@officer_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def store_policy(
    obj: CliContext,
    require_passwords: str | None,
    require_reasons: str | None,
    retention_days: int | None,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Show the policy, or change it (supervisor only; audited)."""
    with obj.open_store() as store:
        if require_passwords is None and require_reasons is None and retention_days is None:
            policy = read_policy(store)
        else:
            policy = workflow.set_policy(
                store,
                obj.officer(store, reviewer, password_stdin),
                require_passwords=None if require_passwords is None else require_passwords == "on",
                require_reasons=None if require_reasons is None else require_reasons == "on",
                retention_days=retention_days,
            )
    if as_json:
        click.echo(json.dumps(policy.as_dict()))
    else:
        for name, value in policy.as_dict().items():
            if isinstance(value, bool):
                shown = "on" if value else "off"
            else:
                shown = "not set (no case can be purged)" if value is None else f"{value}"
            click.echo(f"{name.replace('_', '-')}: {shown}")
    return EXIT_OK


@cli.command("decide")
@click.option("--search", "search_id", type=int, required=True)
@click.option("--rank", type=click.IntRange(min=1), required=True)
@click.option("--verdict", type=click.Choice([v.value for v in Verdict]), required=True)
@click.option("--reason", default="", help="Why (required to accept).")
@officer_options
@click.pass_obj
def decide(
    obj: CliContext,
    search_id: int,
    rank: int,
    verdict: str,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
) -> int:
    """Record a person's decision on one candidate of a search."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        decision = workflow.decide(store, by, search_id, rank, verdict, reason)
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
@officer_options
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def verify_cmd(
    obj: CliContext,
    case_number: str | None,
    list_only: bool,
    decision_id: int | None,
    verdict: str | None,
    reason: str,
    reviewer: str | None,
    password_stdin: bool,
    as_json: bool,
) -> int:
    """Peer verification: re-examine an accepted pair blind, then confirm or dispute it."""
    if list_only and not case_number:
        raise click.UsageError("--list needs --case NUMBER")
    if not list_only and (decision_id is None or verdict is None):
        raise click.UsageError("give --decision ID and --verdict confirm|dispute (or --list)")
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        if list_only:
            assert case_number is not None
            rows = [
                {
                    "decision": p.decision_id,
                    "probe": p.probe_path,
                    "probe_box": p.probe_box.as_list(),
                    "candidate_photo": p.candidate_photo,
                    "candidate_box": p.candidate_box.as_list(),
                    "subject": p.subject,
                    "probe_face": p.probe_face,
                    # A clip's face is found by its frame: the box is in that frame's pixels.
                    **({"frame": p.frame, "timecode": p.timecode} if p.frame is not None else {}),
                }
                for p in workflow.pairs_to_verify(store, by, case_number)
            ]
            click.echo(json.dumps(rows) if as_json else "\n".join(json.dumps(r) for r in rows))
            return EXIT_OK
        assert decision_id is not None and verdict is not None
        record = workflow.verify(store, by, decision_id, verdict, reason)
    click.echo(f"Decision {decision_id}: {record.verdict.value} by {printable(record.reviewer)}")
    return EXIT_OK


@cli.command("export")
@click.argument("number")
@click.option("--pdf", "pdf_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@officer_options
@click.pass_obj
def export_cmd(
    obj: CliContext, number: str, pdf_path: Path, reviewer: str | None, password_stdin: bool
) -> int:
    """Export the case notes as PDF (its SHA-256 is logged in the audit trail) and a signed
    checkpoint of the trail beside it."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        result = workflow.export_case(store, by, number, pdf_path)
    click.echo(f"Wrote {result.path} ({result.pages} pages), SHA-256 {result.sha256}")
    click.echo(f"Checkpoint {workflow.checkpoint_beside(result.path)}")
    return EXIT_OK


@cli.group("audit")
def audit_group() -> None:
    """The tamper-evident audit trail."""


@audit_group.command("verify")
@click.option(
    "--checkpoint",
    "checkpoint_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A signed checkpoint (from `audit checkpoint` or an export) the chain must reach.",
)
@click.option("--json", "as_json", is_flag=True)
@click.pass_obj
def audit_verify(obj: CliContext, checkpoint_path: Path | None, as_json: bool) -> int:
    """Check the chain, the rows it records and its checkpoints: exit 0 when intact, 1
    naming the first bad event."""
    held = load_checkpoint(checkpoint_path) if checkpoint_path else None
    with obj.open_store() as store:
        status = verify_trail(store, held)
    if as_json:
        click.echo(json.dumps(status.as_dict()))
    elif status.ok:
        click.echo(f"OK: {status.events} events, head {status.head_hash}")
        for line in status.checkpoints:
            click.echo(f"  {line}")
    else:
        where = f"event {status.first_bad_id}" if status.first_bad_id is not None else "a row"
        click.echo(f"BROKEN at {where}: {status.problem}")
    return EXIT_OK if status.ok else EXIT_BROKEN


@audit_group.command("checkpoint")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@officer_options
@click.pass_obj
def audit_checkpoint(
    obj: CliContext, out_path: Path, reviewer: str | None, password_stdin: bool
) -> int:
    """Write the trail's head and event count, signed with the store's key, to --out."""
    with obj.open_store() as store:
        by = obj.officer(store, reviewer, password_stdin)
        point = workflow.write_checkpoint(store, by, out_path)
    click.echo(f"Checkpoint {out_path}: {point.anchor}")
    return EXIT_OK


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
            else f"{e.id}\t{e.created_utc}\t{printable(e.actor)}\t"
            f"{printable(e.case_number or '-')}\t{e.event_type}"
        )
    return EXIT_OK
