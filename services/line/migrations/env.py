from common.migrations import run_migrations
from services.line.models import Base

run_migrations(Base.metadata)
