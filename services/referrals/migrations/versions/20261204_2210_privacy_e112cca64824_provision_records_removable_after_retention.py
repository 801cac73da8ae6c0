"""provision records removable after retention

The table stays append-only, except that a record whose retention has ended (its
``retain_until`` is before today in JST, by the database's own clock) may be deleted — by
the retention job. A wrong application clock can still not remove a record the law says
to keep.

Revision ID: e112cca64824
Revises: 11432a748aca
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "e112cca64824"
down_revision: str | None = "11432a748aca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MESSAGE = "provision_records is append-only until its retention ends"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER provision_records_no_delete")
        op.execute(
            "CREATE TRIGGER provision_records_no_delete BEFORE DELETE ON provision_records "
            "WHEN OLD.retain_until >= date('now', '+9 hours') "
            f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )
        return
    op.execute(
        "CREATE OR REPLACE FUNCTION provision_records_retention() RETURNS trigger AS $$ "
        "BEGIN "
        "IF TG_OP = 'DELETE' AND OLD.retain_until < (now() AT TIME ZONE 'Asia/Tokyo')::date "
        "THEN RETURN OLD; END IF; "
        f"RAISE EXCEPTION '{MESSAGE}'; "
        "END $$ LANGUAGE plpgsql"
    )
    op.execute("DROP TRIGGER provision_records_no_change ON provision_records")
    op.execute(
        "CREATE TRIGGER provision_records_no_change BEFORE UPDATE OR DELETE ON provision_records "
        "FOR EACH ROW EXECUTE FUNCTION provision_records_retention()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER provision_records_no_delete")
        op.execute(
            "CREATE TRIGGER provision_records_no_delete BEFORE DELETE ON provision_records "
            "BEGIN SELECT RAISE(ABORT, 'provision_records is append-only'); END"
        )
        return
    op.execute("DROP TRIGGER provision_records_no_change ON provision_records")
    op.execute(
        "CREATE TRIGGER provision_records_no_change BEFORE UPDATE OR DELETE ON provision_records "
        "FOR EACH ROW EXECUTE FUNCTION provision_records_append_only()"
    )
    op.execute("DROP FUNCTION provision_records_retention()")
