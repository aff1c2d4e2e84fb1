"""The `plugstack` command. Imports nothing heavy until a subcommand needs it."""

import argparse
import os
import sys
from collections.abc import Sequence

from plugstack import __version__

EXIT_CONFIG_ERROR = 2
EXIT_BACKEND_UNAVAILABLE = 3  # the database or the Ray cluster run.yaml names cannot be reached


def _add_config_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", help="a distribution name (see `plugstack distributions list`) or a run.yaml path")
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set an environment variable for ${env.KEY} (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="plugstack", description="Assemble and serve AI stacks from plugins.")
    parser.add_argument("--version", action="version", version=f"plugstack {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="serve a distribution or run.yaml")
    _add_config_args(run)
    run.add_argument("--host", help="override server.host")
    run.add_argument("--port", type=int, help="override server.port")
    run.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])

    validate = commands.add_parser("validate", help="check a run.yaml without starting anything")
    _add_config_args(validate)

    providers = commands.add_parser("providers", help="installed provider types")
    providers_commands = providers.add_subparsers(dest="providers_command", required=True, metavar="COMMAND")
    listing = providers_commands.add_parser("list", help="list installed provider types")
    listing.add_argument("--api", help="only providers of this API")

    distributions = commands.add_parser("distributions", help="installed distributions")
    distributions.add_subparsers(dest="distributions_command", required=True, metavar="COMMAND").add_parser(
        "list", help="list installed distributions"
    )
    commands.add_parser("version", help="print the plugstack version")

    jobs = commands.add_parser("jobs", help="long-running jobs of a running server")
    jobs_commands = jobs.add_subparsers(dest="jobs_command", required=True, metavar="COMMAND")
    follow = jobs_commands.add_parser("follow", help="follow a post-training job: progress bar with loss, log lines")
    follow.add_argument("job_uuid", help="the job to follow")
    follow.add_argument(
        "--url", default=os.environ.get("PLUGSTACK_URL", "http://127.0.0.1:8321"), help="the server (env PLUGSTACK_URL)"
    )
    return parser


def _apply_env(pairs: list[str]) -> None:
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"plugstack: --env expects KEY=VALUE, got {pair!r}")
        os.environ[key] = value


def _report_plugin_failures() -> None:
    from plugstack.plugins import get_catalog

    for failure in get_catalog().failures:
        print(f"warning: plugin {failure.name} ({failure.package}) did not load: {failure.reason}", file=sys.stderr)


def _load(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from plugstack.config.issues import ConfigError
    from plugstack.config.load import load_run_config
    from plugstack.plugins import get_catalog

    _apply_env(args.env)
    _report_plugin_failures()
    try:
        return load_run_config(args.config, get_catalog())
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(EXIT_CONFIG_ERROR) from None


def cmd_run(args: argparse.Namespace) -> int:
    loaded = _load(args)
    import asyncio

    from plugstack.storage.backends import StorageUnavailableError, check_reachable

    try:  # before the server starts: an unreachable database is one clear line, not a traceback
        asyncio.run(check_reachable(loaded.config.storage))
    except StorageUnavailableError as exc:
        print(f"plugstack: {exc}", file=sys.stderr)
        return EXIT_BACKEND_UNAVAILABLE
    jobs = loaded.config.jobs
    if jobs.runner == "ray" and jobs.ray:
        from plugstack.jobs.ray_runner import RayUnavailableError, check_reachable

        try:
            check_reachable(jobs.ray)
        except RayUnavailableError as exc:
            print(f"plugstack: {exc}", file=sys.stderr)
            return EXIT_BACKEND_UNAVAILABLE
    import faulthandler

    import uvicorn

    # A native engine that crashes the server anyway (past its trial run) leaves the Python
    # stack of every thread on stderr instead of vanishing without a word.
    faulthandler.enable()

    from plugstack.plugins import get_catalog
    from plugstack.server.app import create_app
    from plugstack.server.logs import log_config
    from plugstack.server.protocol import http_protocol

    server = loaded.config.server
    host = server.host = args.host or server.host  # the stack reads its own address (jobs call it back)
    port = server.port = args.port or server.port
    scheme = "https" if server.tls else "http"
    print(f"plugstack {__version__}: serving {loaded.config.distribution} on {scheme}://{host}:{port}", file=sys.stderr)
    uvicorn.run(
        create_app(loaded, get_catalog()),
        host=host,
        port=port,
        log_level=args.log_level,
        log_config=log_config(args.log_level),
        ssl_certfile=server.tls.certfile if server.tls else None,
        ssl_keyfile=server.tls.keyfile if server.tls else None,
        http=http_protocol(server.http),
        loop=server.loop,
        access_log=server.access_log,
        forwarded_allow_ips=server.forwarded_allow_ips,
    )
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    loaded = _load(args)
    config = loaded.config
    count = sum(len(entries) for entries in config.providers.values())
    print(f"{loaded.source}: OK ({config.distribution}: {len(config.apis)} APIs, {count} providers)")
    return 0


def cmd_providers_list(args: argparse.Namespace) -> int:
    from plugstack.plugins import get_catalog

    _report_plugin_failures()
    catalog = get_catalog()
    rows = [
        (
            api.value,
            provider_type,
            catalog.origin[(api, provider_type)].package,
            catalog.origin[(api, provider_type)].version,
        )
        for api, provider_type in sorted(catalog.providers)
        if args.api is None or api.value == args.api
    ]
    _print_table(("API", "PROVIDER TYPE", "PACKAGE", "VERSION"), rows)
    return 0


def cmd_distributions_list(args: argparse.Namespace) -> int:
    from plugstack.plugins import get_catalog

    _report_plugin_failures()
    rows = [(spec.name, spec.description, str(spec.run_config)) for spec in get_catalog().distributions.values()]
    _print_table(("NAME", "DESCRIPTION", "RUN CONFIG"), sorted(rows))
    return 0


def cmd_jobs_follow(args: argparse.Namespace) -> int:
    from plugstack.apis.post_training.follow import follow

    return follow(args.url, args.job_uuid)


def _print_table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(str(row[i])) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        return cmd_run(args)
    if args.command == "validate":
        return cmd_validate(args)
    if args.command == "providers":
        return cmd_providers_list(args)
    if args.command == "distributions":
        return cmd_distributions_list(args)
    if args.command == "jobs":
        return cmd_jobs_follow(args)
    print(__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
