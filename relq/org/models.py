from __future__ import annotations

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from relq.db import UTCDateTime, db, utcnow

ROLES = ("operator", "lead", "executive", "admin")
LOCALES = ("ja", "en")


class Department(db.Model):
    __tablename__ = "departments"
    __table_args__ = (
        CheckConstraint("code = lower(code) AND length(code) BETWEEN 2 AND 32", name="code_format"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_ja: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    # Departments that take customers' calls and letters (お客様相談室); operators belong here.
    is_customer_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    def name_for(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_ja

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'lead', 'executive', 'admin')", name="role_known"),
        CheckConstraint("locale IN ('ja', 'en')", name="locale_known"),
        CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str] = mapped_column(String(5), default="ja")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Tokyo")
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    password_changed_at = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    department: Mapped[Department] = relationship(lazy="joined")

    # Flask-Login's is_active property comes from UserMixin; the column above overrides it.

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


def active_departments():
    return db.select(Department).where(Department.is_active.is_(True)).order_by(Department.id)
