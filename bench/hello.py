"""The baseline of bench/http.py: the smallest Flask app, served the same way as the diary."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Hello, World!"
