"""Running notebooks with nbclient: a fresh kernel for each, several at once.

The kernels do the work in their own processes, so one asyncio event loop drives them all;
``jobs`` bounds how many run at once. The loop runs in a worker thread: nbclient then does
not install its own SIGINT handlers, and Ctrl-C reaches the main thread, which interrupts
the kernels (and kills those that do not stop). An interrupted run ends as a failure, so
nothing half-done is reported or cached.

Every kernel gets the same environment: one BLAS thread (numbers must not depend on the
machine's core count, and the notebooks already run side by side) and a fixed hash seed.
"""

import asyncio
import atexit
import contextlib
import os
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from jupyter_core.utils import ensure_async

from .cache import kernel_name
from .errors import shown
from .outputs import atomic_write
from .results import cell_label

KERNEL_ENV = {
    "PYTHONHASHSEED": "0",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class Failure:
    """Why a notebook failed: the cell (nbval's number: the N-th code cell, from 0), the
    exception, the source."""

    notebook: Path
    cell: int | None
    exception: str
    traceback: str
    source: str
    saved: Path | None = None
    log: Path | None = None

    def report(self):
        """The lines build.py prints for this failure."""
        cell = "" if self.cell is None else f", {cell_label(self.cell)}"
        lines = [f"error: {shown(self.notebook)}{cell}: {self.exception}"]
        if self.source:
            lines += ["  cell source:"] + [f"  | {line}" for line in self.source.splitlines()]
        if self.traceback:
            tail = self.traceback.splitlines()[-20:]
            lines += ["  kernel traceback (last lines):"] + [f"  ! {line}" for line in tail]
        if self.saved:
            lines.append(f"  the failed notebook, as far as it ran: {shown(self.saved)}")
        if self.log:
            lines.append(f"  the kernel's own log: {shown(self.log)}")
        return lines


@dataclass
class Run:
    """The outcome of running one notebook: the executed notebook or a failure."""

    notebook: Path
    nb: object
    seconds: float
    failure: Failure | None = None


def run_notebooks(paths, *, jobs, timeout, out_dir, on_done):
    """Run the notebooks at ``paths``, at most ``jobs`` at once; return a list of Run.

    on_done(run) is called (from the worker thread) as each successful or failed notebook
    finishes. Each kernel's own output (not the cells': those go into the notebook) goes to
    ``out_dir/logs/``; a failed notebook is written, as far as it ran, to ``out_dir/failed/``.
    Ctrl-C stops the kernels (see _Runner.stop) and raises KeyboardInterrupt.
    """
    runner = _Runner(jobs, timeout, Path(out_dir), on_done)
    return runner.run([Path(path) for path in paths])


class _Runner:
    """An event loop in a worker thread that runs notebooks and can be stopped."""

    GRACE = 5  # seconds between interrupting the kernels and killing them

    def __init__(self, jobs, timeout, out_dir, on_done):
        self.jobs, self.timeout, self.out_dir, self.on_done = jobs, timeout, out_dir, on_done
        self.loop = asyncio.new_event_loop()
        self.clients = set()  # NotebookClients whose kernels are running
        self.stopping = False

    def run(self, paths):
        outcome, finished = {}, threading.Event()

        def worker():
            try:
                outcome["runs"] = self.loop.run_until_complete(self._run_all(paths))
            except BaseException as error:  # noqa: BLE001 - re-raised in the main thread
                outcome["error"] = error
            finally:
                self.loop.close()
                finished.set()

        threading.Thread(target=worker, name="notebooks", daemon=True).start()
        try:  # Event.wait, unlike Thread.join, is safe to interrupt with Ctrl-C
            while not finished.wait(0.1):
                pass
        except KeyboardInterrupt:
            print("\ninterrupted: stopping the kernels ...", flush=True)
            self.stop(finished)
            raise
        if "error" in outcome:
            raise outcome["error"]
        return outcome["runs"]

    def stop(self, finished):
        """Interrupt the running cells, as Jupyter's stop button does; kill what is left.

        The runs then end as failures (never cached), notebooks not started yet are skipped,
        and the worker thread finishes (sets ``finished``) with every kernel shut down.
        """
        self.stopping = True
        for escalate in (self._interrupt, self._kill):
            if finished.is_set():
                return
            with contextlib.suppress(RuntimeError):  # the loop closed in the meantime
                asyncio.run_coroutine_threadsafe(escalate(), self.loop)
            finished.wait(self.GRACE)
        finished.wait(30)

    async def _interrupt(self):
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await ensure_async(client.km.interrupt_kernel())

    async def _kill(self):
        for client in list(self.clients):
            with contextlib.suppress(Exception):
                await ensure_async(client.km.shutdown_kernel(now=True))

    async def _run_all(self, paths):
        semaphore = asyncio.Semaphore(max(1, self.jobs))

        async def limited(path):
            async with semaphore:
                if self.stopping:
                    return Run(path, None, 0.0, Failure(path, None, "interrupted", "", ""))
                run = await self._run_one(path)
            self.on_done(run)
            return run

        return await asyncio.gather(*map(limited, paths))

    async def _run_one(self, path):
        nbformat, NotebookClient = _import_nbclient()
        started = time.perf_counter()
        current = {"index": None}

        def on_cell_start(cell, cell_index):
            current["index"] = cell_index

        nb = client = None
        log = self.out_dir / "logs" / f"{path.stem}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        try:
            nb = nbformat.read(path, as_version=4)
            client = NotebookClient(
                nb, timeout=self.timeout, kernel_name=kernel_name(nb),
                shutdown_kernel="immediate", on_cell_start=on_cell_start, record_timing=False,
                resources={"metadata": {"path": str(path.parent.absolute())}},
            )
            self.clients.add(client)
            with open(log, "wb") as stream:
                await client.async_execute(env={**os.environ, **KERNEL_ENV},
                                           stdout=stream, stderr=stream)
            (self.out_dir / "failed" / path.name).unlink(missing_ok=True)  # an older failure
            return Run(path, nb, time.perf_counter() - started)
        except Exception as error:  # noqa: BLE001 - any failure of a notebook is reported
            failure = _failure(path, nb, current["index"], error)
            failure.log = log
            if nb is not None:
                failure.saved = _save_failed(nb, self.out_dir / "failed" / path.name)
            return Run(path, None, time.perf_counter() - started, failure)
        finally:
            self.clients.discard(client)
            if client is not None:  # nbclient leaves this behind on some failures
                atexit.unregister(client._cleanup_kernel)


def _import_nbclient():
    """nbclient and nbformat, without jsonschema's optional rfc3987_syntax.

    jsonschema (through nbformat) imports rfc3987_syntax when it is installed, and that
    builds a grammar for about 3 s on import; it only checks "iri" formats, which the
    notebook schema does not use. Telling Python it is absent keeps the import at 0.5 s.
    """
    sys.modules.setdefault("rfc3987_syntax", None)
    import nbformat
    from nbclient import NotebookClient

    return nbformat, NotebookClient


def _failure(path, nb, index, error):
    """A Failure for ``error`` raised while running cell ``index`` (of ``nb.cells``) of ``nb``."""
    cell = nb.cells[index] if nb is not None and index is not None else None
    number = None
    if cell is not None:  # nbval's number: how many code cells come before it
        number = sum(c.cell_type == "code" for c in nb.cells[:index])
    ename = getattr(error, "ename", None)
    if ename:
        exception = f"{ename}: {error.evalue}"
    else:
        exception = f"{type(error).__name__}: {_ANSI.sub('', str(error)).strip()}"
    errors = [out for out in (cell.get("outputs", []) if cell else [])
              if out.get("output_type") == "error"]
    traceback = _ANSI.sub("", "\n".join(errors[-1].get("traceback", []))) if errors else ""
    return Failure(path, number, exception, traceback.strip(), cell.source if cell else "")


def _save_failed(nb, target):
    """Write the partly executed notebook to ``target``; None if that fails too."""
    nbformat, _ = _import_nbclient()

    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, nbformat.writes(nb).encode("utf-8"))
        return target
    except OSError:
        return None
