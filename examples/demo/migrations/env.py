"""Alembic's environment for a hipflask app: the engine and the models' metadata come from the
app (``current_app.extensions["migrate"]``), so the database URL lives in the app's config only.
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
engine = state.db.engine
config.set_main_option(
    "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def skip_empty_revision(context, revision, directives):
    """Write no revision file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_offline():
    """Print the SQL (``--sql``) instead of running it."""
    options = dict(state.configure_args)
    options.pop("process_revision_directives", None)
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=state.metadata,
        literal_binds=True,
        **options,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    """Run the migrations on a connection of the app's engine."""
    options = dict(state.configure_args)
    if options.get("process_revision_directives") is None:
        options["process_revision_directives"] = skip_empty_revision
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=state.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
