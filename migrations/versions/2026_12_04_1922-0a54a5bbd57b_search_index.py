"""search index

Revision ID: 0a54a5bbd57b
Revises: 5e1f0a7c2b91
Create Date: 2026-12-04 19:22:00

One row per searchable thing; PostgreSQL keeps its tsvector in the row (GIN-indexed),
SQLite its stemmed terms in an FTS5 table that a trigger keeps in step with the rows.
Run `flask search-reindex` once after upgrading to index what is already there.
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from diaspora_hub.core.search.models import FTS_CREATE, FTS_DROP, FTS_TRIGGER

# revision identifiers, used by Alembic.
revision = '0a54a5bbd57b'
down_revision = "5e1f0a7c2b91"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('search_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('object_id', sa.Integer(), nullable=False),
    sa.Column('vector', sa.Text().with_variant(postgresql.TSVECTOR(), 'postgresql'), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_search_entry')),
    sa.UniqueConstraint('kind', 'object_id', name=op.f('uq_search_entry_kind'))
    )
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.create_index('ix_search_entry_vector', ['vector'], unique=False, postgresql_using='gin')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(FTS_CREATE)
        op.execute(FTS_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        op.execute(FTS_DROP)
    with op.batch_alter_table('search_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_search_entry_vector', postgresql_using='gin')
    op.drop_table('search_entry')
