"""`xxgk-audit serve`: the office's web app (engine/web), served by uvicorn."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from engine.cli.exits import EXIT_USAGE


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "serve", help="启动网页版（上传、审核、复核、下载），供办公室内网用浏览器访问",
        description="启动网页版审核服务。首次启动时创建管理员账号 admin：密码取环境变量 XXGK_ADMIN_PASSWORD，"
                    "未设置时随机生成并只显示这一次。")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机；内网访问用 0.0.0.0）")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    p.add_argument("--data", type=Path, default=Path("xxgk-data"), metavar="DIR",
                   help="数据文件夹：上传的报告、审核结果和审核台账（默认 ./xxgk-data）")
    p.add_argument("--jobs", type=int, default=2, metavar="N", help="每个审核批次的工作进程数（默认 2）")
    p.add_argument("--secure-cookies", action="store_true", help="经 HTTPS 反向代理访问时打开")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Lazy: the web stack (FastAPI, uvicorn) is only needed by this command.
    import uvicorn

    from engine.web.app import create_app
    from engine.web.settings import WebSettings

    if not 0 < args.port < 65536:
        print(f"端口应在 1–65535 之间：{args.port}", file=sys.stderr)
        return EXIT_USAGE
    data = args.data.resolve()
    try:
        app = create_app(WebSettings(data=data, jobs=max(1, args.jobs), secure_cookies=args.secure_cookies))
    except OSError as exc:
        print(f"无法使用数据文件夹 {data}：{exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    password = app.state.xxgk.initial_password
    if password:
        print(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次，请登录后妥善保管）")
    print(f"网页版已启动：http://{args.host}:{args.port}/ 数据文件夹：{data}（按 Ctrl-C 停止）")
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0
