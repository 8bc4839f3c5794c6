# Alembic settings of a hipflask app (several databases). The database URL is not here: env.py takes
# it from the app's SQLALCHEMY_DATABASE_URI and SQLALCHEMY_BINDS.

[alembic]
# file_template = %%(rev)s_%%(slug)s
# revision_environment = false


[loggers]
keys = root,sqlalchemy,alembic,alembic_plugins,hipflask_migrate

[handlers]
keys = console

[formatters]
keys = generic

[logger_root]
level = WARNING
handlers = console
qualname =

[logger_sqlalchemy]
level = WARNING
handlers =
qualname = sqlalchemy.engine

[logger_alembic]
level = INFO
handlers =
qualname = alembic

[logger_alembic_plugins]
level = WARNING
handlers =
qualname = alembic.runtime.plugins

[logger_hipflask_migrate]
level = INFO
handlers =
qualname = hipflask.migrate

[handler_console]
class = StreamHandler
args = (sys.stderr,)
level = NOTSET
formatter = generic

[formatter_generic]
format = %(levelname)-5.5s [%(name)s] %(message)s
datefmt = %H:%M:%S
