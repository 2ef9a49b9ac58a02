"""`fonte-admin` (or `python -m ui.admin`): manage who may sign in to the web app and what they may read.

    fonte-admin add-user maria --collections hr,legal        # asks for the password twice
    fonte-admin add-user root --admin --password-stdin < pw.txt
    fonte-admin grant maria finance        fonte-admin revoke maria legal
    fonte-admin set-password maria         fonte-admin remove-user maria
    fonte-admin list-users                 fonte-admin list-collections

Accounts live in `<data dir>/users.sqlite3` (FONTE_DATA_DIR). As soon as one exists, the web app asks
everyone to sign in; remove the last one to go back to anonymous single-user mode.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from qa.errors import FonteError
from qa.settings import Settings
from ui.accounts import Accounts


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"Password for {args.name}: ")
    if getpass.getpass("Again: ") != first:
        raise FonteError("the two passwords differ: nothing was changed.")
    return first


def _split(value: str) -> list[str]:
    return [c for c in (value or "").split(",") if c.strip()]


def _list_users(accounts: Accounts) -> None:
    users = accounts.users()
    if not users:
        print("No accounts: the web app runs in anonymous single-user mode.")
    for u in users:
        reads = "every collection (admin)" if u.admin else (", ".join(u.collections) or "nothing yet")
        print(f"{u.name}\treads {reads}")


def _list_collections(settings: Settings) -> None:
    from qa.index import Index

    for name in Index.open(settings).collections():
        print(name)


def run(args: argparse.Namespace, settings: Settings) -> str:
    """Do one command; return what to print."""
    accounts = Accounts.open(settings)
    if args.command == "add-user":
        user = accounts.add_user(args.name, _password(args), _split(args.collections), admin=args.admin)
        return f"added {user.name}" + (" (admin)" if user.admin else f", reads: {', '.join(user.collections) or '-'}")
    if args.command == "remove-user":
        accounts.remove_user(args.name)
        return f"removed {args.name}"
    if args.command == "set-password":
        accounts.set_password(args.name, _password(args))
        return f"changed the password of {args.name}"
    if args.command in ("grant", "revoke"):
        (accounts.grant if args.command == "grant" else accounts.revoke)(args.name, _split(args.collections))
        user = accounts.user(args.name)
        return f"{args.name} reads: {', '.join(user.collections) if user else '-'}"
    if args.command == "list-users":
        _list_users(accounts)
    else:
        _list_collections(settings)
    return ""


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="fonte-admin", description="Manage the web app's accounts and their collections.")
    sub = p.add_subparsers(dest="command", required=True)
    add = sub.add_parser("add-user", help="add an account (asks for its password)")
    add.add_argument("name")
    add.add_argument("--collections", default="", help="comma-separated collections it may read")
    add.add_argument("--admin", action="store_true", help="may read every collection")
    for name, help_ in (("remove-user", "remove an account"), ("set-password", "change a password")):
        cmd = sub.add_parser(name, help=help_)
        cmd.add_argument("name")
    for name in ("grant", "revoke"):
        cmd = sub.add_parser(name, help=f"{name} collections (comma-separated)")
        cmd.add_argument("name")
        cmd.add_argument("collections")
    sub.add_parser("list-users", help="every account and what it reads")
    sub.add_parser("list-collections", help="the collections the index holds")
    for cmd in (add, sub.choices["set-password"]):
        cmd.add_argument("--password-stdin", action="store_true", help="read the password from one line of stdin")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of `fonte-admin`."""
    args = _parser().parse_args(argv)
    try:
        out = run(args, Settings.from_env())
    except FonteError as exc:
        print(f"fonte-admin: {exc}", file=sys.stderr)
        return 2
    if out:
        print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
