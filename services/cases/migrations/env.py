from common.migrations import run_migrations
from services.cases.models import Base

run_migrations(Base.metadata)
