"""Alembic's environment for a hipflask app with several databases: the default one ("") and
each ``SQLALCHEMY_BINDS`` key, every one migrated with its own metadata in one run.
"""

import logging
from logging.config import fileConfig

from alembic import context

from hipflask import current_app

config = context.config
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

state = current_app.extensions["migrate"]
db = state.db
names = ["", *state.bind_names]


def bind_key(name):
    return name or None


def url_of(name):
    url = db.engines[bind_key(name)].url
    return url.render_as_string(hide_password=False).replace("%", "%%")


def skip_empty_revision(context, revision, directives):
    """Write no revision file when autogenerate finds no change in any database."""
    autogenerate = getattr(config.cmd_opts, "autogenerate", False)
    if autogenerate and all(ops.is_empty() for ops in directives[0].upgrade_ops_list):
        directives[:] = []
        logger.info("No changes in schema detected.")


def configure_args():
    options = dict(state.configure_args)
    # NOTE: each database gets one transaction for the whole run, opened below.
    options.pop("transaction_per_migration", None)
    return options


def run_migrations_offline():
    """Write each database's SQL (``--sql``) to ``<name>.sql`` (``default.sql`` for "")."""
    options = configure_args()
    options.pop("process_revision_directives", None)
    for name in names:
        file_name = f"{name or 'default'}.sql"
        logger.info("Writing output to %s", file_name)
        with open(file_name, "w") as buffer:
            context.configure(
                url=url_of(name),
                output_buffer=buffer,
                target_metadata=db.metadatas[bind_key(name)],
                literal_binds=True,
                **options,
            )
            with context.begin_transaction():
                context.run_migrations(engine_name=name)


def run_migrations_online():
    """Migrate every database, committing all of them only when all succeeded."""
    options = configure_args()
    if options.get("process_revision_directives") is None:
        options["process_revision_directives"] = skip_empty_revision
    connections = {name: db.engines[bind_key(name)].connect() for name in names}
    transactions = {name: connection.begin() for name, connection in connections.items()}
    try:
        for name in names:
            logger.info("Migrating database %s", name or "<default>")
            context.configure(
                connection=connections[name],
                upgrade_token=f"{name}_upgrades",
                downgrade_token=f"{name}_downgrades",
                target_metadata=db.metadatas[bind_key(name)],
                **options,
            )
            context.run_migrations(engine_name=name)
        for transaction in transactions.values():
            transaction.commit()
    except BaseException:
        for transaction in transactions.values():
            transaction.rollback()
        raise
    finally:
        for connection in connections.values():
            connection.close()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
