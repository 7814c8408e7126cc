from flask import Flask, render_template


def register_error_pages(app: Flask) -> None:
    for code in (400, 403, 404, 405, 409, 415, 429, 500):
        app.register_error_handler(code, _render(code))


def _render(code: int):
    def handler(error):
        return render_template("errors/error.html", code=code), code

    return handler
