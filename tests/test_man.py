"""The man pages (man/) against the program, so they cannot silently go out of date:
every option of `tend --help` and `tend ctl -h`, every config key tend's loader has a
table entry for, every `tend ctl help` command has an item of its own; the items marked
(tend) are exactly the keys supervisord's own options.py does not know; the defaults
tend.conf(5) states are the ones `tend --check` prints; the EXAMPLES configs load; the
pages lint clean (mandoc -Tlint -W warning, groff -ww) and render with `man -l`.

Items are read from the mdoc source (`.It` lines), not from rendered text, so a word
that merely occurs in a sentence does not count as documented."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT, TEND

MAN = os.path.join(ROOT, "man")
PAGES = ("tend.1", "tend.conf.5", "tend-ctl.1")
OPTIONS_PY = "/usr/lib/python3/dist-packages/supervisor/options.py"


def page(name):
    with open(os.path.join(MAN, name), encoding="utf-8") as f:
        return f.read()


def src(name):
    with open(os.path.join(ROOT, "src", name), encoding="utf-8") as f:
        return f.read()


def run(*argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, **kw)


def items(text):
    """The `.It` lines of an mdoc page, with their `.Ss` subsection: [(ss, words)].
    `\\-` is a plain '-' here; `Fl x` becomes the option '-x'."""
    out, ss = [], ""
    for line in text.splitlines():
        if line.startswith(".Ss "):
            ss = line[4:].strip()
        elif line.startswith(".It"):
            out.append((ss, line[3:].replace("\\-", "-").split()))
    return out


MACRO = re.compile(r"^[A-Z][a-z]{1,2}$")  # an mdoc macro name: Fl, Ar, Ns, Pq, Ic, ...


def macro_args(w, macro):
    """The arguments of each MACRO in an item's words, up to the next macro; ',' '|' skipped."""
    out = []
    for i, word in enumerate(w):
        if word == macro:
            for a in w[i + 1:]:
                if MACRO.match(a):
                    break
                if a not in (",", "|"):
                    out.append(a)
    return out


def item_options(text, section="Options"):
    """Every option named by the `Fl` macro of an item of SECTION: {'-g', '--pgroup', ...}."""
    return {"-" + a for ss, w in items(text) if ss == section for a in macro_args(w, "Fl")}


def item_words(text, macro):
    """{ss: set of words} named by an item's MACRO (Ic, Cm, Ev), per subsection."""
    out = {}
    for ss, w in items(text):
        out.setdefault(ss, set()).update(macro_args(w, macro))
    return out


def all_words(per_section):
    return set().union(*per_section.values()) if per_section else set()


# ---- tend(1) -------------------------------------------------------------------------


def help_options(text):
    """Options at the start of the usage text's option lines: '-g, --pgroup ...'."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"\s+((?:-\w(?:, )?)?(?:--[\w-]+)?)[=\s]", line)
        if m and m.group(1).startswith("-"):
            opts.update(re.findall(r"--?[\w-]+", m.group(1)))
    return opts


def test_every_tend_option_has_an_item():
    r = run(TEND, "--help")
    assert r.returncode == 0, r.stderr
    opts = help_options(r.stdout)
    assert {"-c", "--config", "--check", "--grace", "-v", "--verbose"} <= opts, opts  # the parser itself works
    missing = sorted(opts - item_options(page("tend.1")))
    assert not missing, f"tend.1 has no item for {missing}"


def test_help_option_parser_sees_a_missing_option():
    """The check above fails when a page lacks an option (the parser is not vacuous)."""
    text = page("tend.1").replace(".It Fl \\-grace Ar seconds", ".It Ar seconds")
    assert "--grace" not in item_options(text)
    assert "--grace" in item_options(page("tend.1"))


def test_environment_variables_tend_reads_are_documented():
    """Every TEND_*, TINI_*, DUMB_INIT_* name src/ passes to getenv() has an Ev item."""
    names = set()
    for f in os.listdir(os.path.join(ROOT, "src")):
        if f.endswith(".c"):
            names.update(re.findall(r'getenv\("((?:TEND|TINI|DUMB_INIT)_\w+)"\)', src(f)))
            names.update(re.findall(r'env_ms\("(TEND_\w+)"', src(f)))
    assert "TEND_CTL_SOCKET" in names, names
    evs = all_words(item_words(page("tend.1"), "Ev"))
    assert not sorted(names - evs), f"tend.1 ENVIRONMENT lacks {sorted(names - evs)}"


# ---- tend.conf(5) --------------------------------------------------------------------


def keydef_tables():
    """Every key of every `static const struct keydef NAME[] = {...}` in config_keys.c."""
    keys = set()
    for body in re.findall(r"static const struct keydef \w+\[\] = \{(.*?)\n\};", src("config_keys.c"), re.S):
        keys.update(re.findall(r'\{"([a-z_.]+)",\s*[^,]+,\s*V_\w+\}', body))
    return keys


SECTION_OF = {"supervisord_keys": "[supervisord]", "load_unix_http_server": "[unix_http_server]",
              "load_inet_http_server": "[inet_http_server]", "load_group": "[group:x]"}


def section_key_lists():
    """The key lists of config_sections.c: {'[supervisord]': {...}, '[group:x]': {...}}."""
    text, out = src("config_sections.c"), {}
    for name, body in re.findall(r"static const char \*const (supervisord_keys)\[\] = \{(.*?)\};", text, re.S):
        out[SECTION_OF[name]] = set(re.findall(r'"([a-z_.]+)"', body))
    for fn, body in re.findall(r"static int (load_\w+)\([^)]*\)\n\{\n\tstatic const char \*const keys\[\] = \{(.*?)\};", text, re.S):
        out[SECTION_OF[fn]] = set(re.findall(r'"([a-z_.]+)"', body))
    return out


def test_every_program_key_has_an_item():
    keys = keydef_tables()
    assert {"command", "stopwaitsecs", "containment", "ready", "socket"} <= keys, keys
    missing = sorted(keys - all_words(item_words(page("tend.conf.5"), "Ic")))
    assert not missing, f"tend.conf.5 has no item for {missing}"


def test_every_section_key_has_an_item_in_its_section():
    lists = section_key_lists()
    assert set(lists) == set(SECTION_OF.values()), lists  # each list of config_sections.c was found
    per = item_words(page("tend.conf.5"), "Ic")
    for ss, keys in lists.items():
        missing = sorted(keys - per.get(ss, set()))
        assert not missing, f"tend.conf.5 {ss} has no item for {missing}"


def supervisord_knows(key, options_py):
    if re.search(r"['\"]%s['\"]" % re.escape(key), options_py):
        return True
    m = re.match(r"(stdout|stderr)(_\w+)$", key)  # options.py builds these: '%s_logfile' % channel
    return bool(m and "'%%s%s'" % m.group(2) in options_py)


def test_tend_marks_are_exactly_what_supervisord_lacks():
    """An item marked (tend) names keys supervisord 4.2.5 does not read; an unmarked one
    names keys it does, measured against Debian's supervisor/options.py."""
    if not os.path.exists(OPTIONS_PY):
        pytest.fail(f"{OPTIONS_PY} missing: tools/deps.sh installs supervisor")
    with open(OPTIONS_PY, encoding="utf-8") as f:
        opy = f.read()
    wrong, checked = [], 0
    for ss, w in items(page("tend.conf.5")):
        keys = macro_args(w, "Ic")
        if not keys or not ss.startswith("["):
            continue
        marked = w[-2:] == ["Pq", "tend"]
        for k in keys:
            checked += 1
            if marked == supervisord_knows(k, opy):
                wrong.append(f"{ss} {k}: {'marked (tend) but supervisord has it' if marked else 'supervisord lacks it: mark it (tend)'}")
    assert checked > 60, checked
    assert not wrong, wrong


CHECK_FIELDS = ("priority", "autostart", "autorestart", "startsecs", "startretries", "exitcodes",
                "stopsignal", "stopwaitsecs", "stopasgroup", "containment", "shutdown_on", "tail_bytes")


def stated_default(text, key):
    """'Default X.' in KEY's [program:x] item, as --check prints X."""
    m = re.search(r"^\.It Ic %s\b.*?\n(.*?)(?=^\.It |^\.El)" % key, text.split(".Ss [program:x]")[1], re.S | re.M)
    assert m, key
    body = " ".join(line.split(" ", 1)[1] if line.startswith(".") and " " in line else line
                    for line in m.group(1).splitlines())
    d = re.search(r"Default\s+(\S+?)\.?\s", body + " ")
    assert d, f"tend.conf.5 states no default for {key}"
    v = d.group(1).rstrip(".,")
    sizes = {"KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30}
    for suffix, mult in sizes.items():
        if v.endswith(suffix) and v[:-2].isdigit():
            return str(int(v[:-2]) * mult)
    return v


def test_stated_defaults_are_what_tend_applies(tmp_path):
    conf = tmp_path / "one.conf"
    conf.write_text("[program:one]\ncommand = /bin/true\n")
    r = run(TEND, "-c", str(conf), "--check")
    assert r.returncode == 0, r.stderr
    shown = dict(re.findall(r"^  (\w+)\s+(\S+)", r.stdout, re.M))
    # containment on is shown as the mechanism it gets: a cgroup (where one may be made) or the keeper
    shown["containment"] = {"cgroup": "true", "keeper": "true"}.get(shown.get("containment"), shown.get("containment"))
    text = page("tend.conf.5")
    for key in CHECK_FIELDS:
        assert key in shown, f"--check prints no {key}: {r.stdout}"
        assert stated_default(text, key) == shown[key], f"{key}: tend.conf.5 says {stated_default(text, key)}, tend applies {shown[key]}"


def test_example_configs_load(tmp_path):
    blocks = re.findall(r"^\.Bd -literal -offset indent\n(\[.*?)^\.Ed", page("tend.conf.5"), re.S | re.M)
    assert len(blocks) >= 2
    for i, b in enumerate(blocks):
        conf = tmp_path / f"ex{i}.conf"
        conf.write_text(b)
        r = run(TEND, "-c", str(conf), "--check")
        assert r.returncode == 0 and "warning" not in r.stderr.lower(), f"example {i}: {r.stderr}"


# ---- tend-ctl(1) ---------------------------------------------------------------------


def help_commands(out):
    """The words of `help`'s listing, after the ===== line."""
    body = out.split("=====\n", 1)[1]
    return set(body.split())


def test_every_ctl_command_has_an_item():
    r = run(TEND, "ctl", "help")
    assert r.returncode == 0, r.stderr
    cmds = help_commands(r.stdout) | {"help"}
    assert {"status", "events", "wait", "ready", "healthy"} <= cmds, cmds
    missing = sorted(cmds - all_words(item_words(page("tend-ctl.1"), "Cm")))
    assert not missing, f"tend-ctl.1 has no item for {missing}"


def test_supervisorctl_persona_commands_have_items(tmp_path):
    link = tmp_path / "supervisorctl"
    os.symlink(TEND, link)
    r = run(str(link), "-s", "unix:///nonexistent", "help")
    cmds = help_commands(r.stdout)
    assert "status" in cmds and "events" not in cmds, r.stdout  # supervisorctl's own list
    assert not sorted(cmds - all_words(item_words(page("tend-ctl.1"), "Cm")))


def test_every_ctl_option_has_an_item():
    r = run(TEND, "ctl", "-h")
    assert r.returncode == 0, r.stderr
    pairs = re.findall(r"^-(\w)/--([\w-]+)", r.stdout, re.M)
    assert len(pairs) >= 7, r.stdout
    opts = item_options(page("tend-ctl.1"))
    for short, long in pairs:
        assert "-" + short in opts, f"tend-ctl.1 has no item for -{short}"
        # supervisorctl's text says --history-file; its getopt takes --history_file
        assert {"--" + long, "--" + long.replace("-", "_")} & opts, f"tend-ctl.1 has no item for --{long}"
    for long in re.findall(r"takes (--\w+)", r.stdout):
        assert long in opts, f"tend-ctl.1 has no item for {long}"


# ---- the pages as pages --------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_lints_clean(name):
    assert shutil.which("mandoc"), "mandoc missing: tools/deps.sh installs it"
    r = run("mandoc", "-Tlint", "-W", "warning", os.path.join(MAN, name))
    assert r.returncode == 0 and not r.stdout and not r.stderr, r.stdout + r.stderr


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_with_man(name):
    """man-db's path (groff's mdoc macros, with groff's macro warnings on), not mandoc's."""
    assert shutil.which("man"), "man missing"
    env = dict(os.environ, MANWIDTH="80", MANPAGER="cat", PAGER="cat", LC_ALL="C.UTF-8")
    r = run("man", "--warnings", "-l", os.path.join(MAN, name), env=env)
    assert r.returncode == 0 and not r.stderr, r.stderr
    title = name.rsplit(".", 1)[0].upper()
    assert r.stdout.startswith(f"{title}({name.rsplit('.', 1)[1]})"), r.stdout[:200]
    assert "NAME" in r.stdout and "SEE ALSO" in r.stdout


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_groff_warning(name):
    """groff with every warning on (-ww), the formatter man-db uses."""
    r = run("groff", "-mdoc", "-ww", "-z", "-Tutf8", os.path.join(MAN, name))
    assert r.returncode == 0 and not r.stderr, r.stderr
