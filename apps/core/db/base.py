"""PostgreSQL backend whose test databases are created UTF-8 with a UTF-8 LC_CTYPE.

With LC_CTYPE=C, pg_trgm treats every Chinese character as a non-word character and name search
degrades a hundredfold; a server initialised with a C locale would hand that to every test database."""

from django.db.backends.postgresql import base, creation

DATABASE_LOCALE = "C.UTF-8"


class DatabaseCreation(creation.DatabaseCreation):
    def sql_table_creation_suffix(self):
        suffix = super().sql_table_creation_suffix()
        return f"{suffix} LC_COLLATE '{DATABASE_LOCALE}' LC_CTYPE '{DATABASE_LOCALE}'"


class DatabaseWrapper(base.DatabaseWrapper):
    creation_class = DatabaseCreation
