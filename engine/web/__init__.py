"""The office's web app: upload, audit, review, download — in the browser.

Public interface (used by engine/cli/serve_cmd.py and the tests):

    create_app(WebSettings(data=DIR)) -> FastAPI     engine.web.app
    WebSettings                                       engine.web.settings

The same engine as the command line: audits run `engine.run` in a worker process per batch
(engine/web/worker.py), decisions go to the audit ledger (engine.ledger), and the pages show the
run's own outputs (findings.json, letters, summary.xlsx). Module map:

    settings   limits and where DATA lives          db        accounts, sessions, batches (SQLite)
    security   scrypt passwords, tokens, login limit auth      sessions, CSRF, roles
    uploads    files and zips onto disk, safely      runner    one worker process per batch
    worker     the audit of one batch (a process)    engine_api the only door into the engine
    service    what pages and API both do            views     findings.json → what pages show
    api        the JSON API (/api/…)                 pages     the HTML pages
"""
