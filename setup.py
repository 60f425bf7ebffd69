"""restcorn: SQL over REST. The wrappers (fdw) and the mock JSON service."""
from setuptools import find_packages, setup

setup(
    name="restcorn",
    version="0.1.0",
    description="PostgreSQL foreign data wrappers for JSON web services, with pushdown",
    license="PostgreSQL",
    python_requires=">=3.9",
    packages=find_packages(include=["fdw", "fdw.*", "mock_service", "mock_service.*"]),
    install_requires=["requests>=2.28", "msgspec>=0.18"],
    extras_require={"service": ["flask>=2.3", "waitress>=2.1"]},
)
