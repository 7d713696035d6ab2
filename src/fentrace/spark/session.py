"""A Spark session for fentrace: Java and PySpark checked, Python workers on this interpreter.

On a cluster the session comes from ``spark-submit`` or the notebook (``SparkSession.active()``);
:func:`local_session` is for one machine (tests, the CLI's ``--master local[N]``, benchmarks).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from fentrace.exc import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: The oldest Java that PySpark 4 runs on.
MIN_JAVA = 17
#: The Python worker daemon: PySpark's, with fentrace's modules imported before it forks.
DAEMON_MODULE = "fentrace.spark._daemon"
_VERSION = re.compile(r'version "(\d+)(?:\.(\d+))?')


def java_version(java: str | None = None) -> int:
    """The major version of the Java that Spark will start (``JAVA_HOME``, else ``java`` on PATH).

    Raises ConfigError when there is none, it cannot be run or it is older than Java 17.
    """
    if java is None:
        home = os.environ.get("JAVA_HOME")
        java = str(Path(home) / "bin" / "java") if home else shutil.which("java")
    if not java or not Path(java).exists():
        raise ConfigError(
            f"Spark needs Java {MIN_JAVA} or newer and none was found (set JAVA_HOME or put "
            "java on PATH; on Debian: apt-get install openjdk-17-jre-headless)"
        )
    try:
        text = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        ).stderr
    except OSError as error:
        raise ConfigError(f"{java}: cannot run ({error})") from error
    match = _VERSION.search(text)
    if match is None:
        raise ConfigError(f"{java} -version: cannot read the version from {text.strip()!r}")
    major = int(match.group(1))
    if major == 1 and match.group(2):  # "1.8.0_392" is Java 8
        major = int(match.group(2))
    if major < MIN_JAVA:
        raise ConfigError(f"Spark needs Java {MIN_JAVA} or newer; {java} is Java {major}")
    return major


#: Bytes of one Arrow batch sent to a Python worker (``spark.sql.execution.arrow.maxBytesPerBatch``).
ARROW_BATCH_BYTES = 64 * 2**20


def local_session(
    master: str = "local[2]",
    *,
    driver_memory: str = "2g",
    shuffle_partitions: int = 8,
    app_name: str = "fentrace",
    config: dict[str, str] | None = None,
) -> SparkSession:
    """A Spark session whose Python workers run this interpreter.

    With a ``local`` master ``PYSPARK_PYTHON`` is set to ``sys.executable`` (the virtual
    environment's python); with another master only when it is not set already (a cluster
    names its own). The web UI is off and the driver binds to 127.0.0.1.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise ConfigError(
            "the Spark engine needs PySpark: pip install 'fentrace[spark]'"
        ) from error
    java_version()
    if master.startswith("local"):
        # the workers must run this interpreter (the virtual environment fentrace is in)
        os.environ["PYSPARK_PYTHON"] = sys.executable
        os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    else:
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.driver.memory", driver_memory)
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.adaptive.enabled", "true")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
        # the manifest engine hands Python whole chunks of validated rows as one binary
        # value each: a byte bound keeps a batch to a few of them, not a partition's worth
        .config("spark.sql.execution.arrow.maxBytesPerBatch", str(ARROW_BATCH_BYTES))
        # Python workers forked from a daemon that has fentrace imported, and kept between
        # tasks (the screeners they load stay loaded)
        .config("spark.python.daemon.module", DAEMON_MODULE)
        .config("spark.python.worker.reuse", "true")
    )
    for key, value in (config or {}).items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session
