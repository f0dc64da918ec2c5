"""The Python API: configuration errors, argument errors, pseudonym keys, no value leaks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import tftsr

SECRET = "hunter2-Zq9xVb7T"


def test_bad_configuration_raises_a_clear_config_error():
    bad = {
        'types = "x"\n[[rules]\n': ".tftsr.toml:",  # TOML syntax
        '[[rules]]\nid = "tok"\nregex = "tok-("\n': "rules[0].regex: invalid regex",
        '[types]\nenable = ["email", "emial"]\n': "types.enable[1]: unknown type id `emial`",
        '[[rules]]\nid = "email"\nregex = "x"\n': "is a built-in type id",
        'colour = "red"\n': "unknown field",
    }
    for text, want in bad.items():
        with pytest.raises(tftsr.ConfigError) as e:
            tftsr.Engine.from_toml(text, path="conf/.tftsr.toml")
        assert want in str(e.value), (text, str(e.value))
        assert isinstance(e.value, ValueError)
    with pytest.raises(tftsr.ConfigError, match=r"^conf/.tftsr.toml:3: rules\[0\].regex"):
        tftsr.Engine.from_toml('[[rules]]\nid = "tok"\nregex = "tok-("\n', path="conf/.tftsr.toml")


def test_a_config_error_never_quotes_a_value():
    # A rule whose own example does not match: the error names the example, not its text.
    text = f'[[rules]]\nid = "tok"\nregex = "tok-[0-9]+"\nexamples = ["{SECRET}"]\n'
    with pytest.raises(tftsr.ConfigError) as e:
        tftsr.Engine.from_toml(text)
    assert "rules[0].examples" in str(e.value) and SECRET not in str(e.value)


def test_unknown_type_filter_is_a_config_error():
    with pytest.raises(tftsr.ConfigError, match="unknown type `emial` in types"):
        tftsr.Engine(types=["emial"])
    with pytest.raises(tftsr.ConfigError, match="in exclude_types"):
        tftsr.Engine(exclude_types=["nope"])
    e = tftsr.Engine(types=["email", "ipv4"], exclude_types=["ipv4"])
    assert e.types == ["email"]
    assert [f.type for f in e.scan("bob@example.com 10.1.2.3")] == ["email"]


def test_custom_rules_from_toml_are_found_and_tagged():
    e = tftsr.Engine.from_toml(
        '[[rules]]\nid = "ticket"\nregex = "TCK-[0-9]{6}"\ntag = "[Ticket]"\n'
        'examples = ["TCK-123456"]\nnegative_examples = ["TCK-12"]\n'
    )
    assert "ticket" in e.types
    assert e.redact("see TCK-654321 and TCK-12") == "see [Ticket] and TCK-12"


def test_argument_errors():
    with pytest.raises(TypeError, match="text must be str or bytes, not int"):
        tftsr.scan(42)
    with pytest.raises(ValueError, match="unknown redaction style"):
        tftsr.redact("x", "fancy")
    with pytest.raises(ValueError, match="lone surrogate"):
        tftsr.scan("bob@example.com \udcff")
    with pytest.raises(ValueError, match="needs a key"):
        tftsr.redact("bob@example.com", "pseudonym")
    for key in ["00" * 31, "zz" * 32, b"short", SECRET]:
        with pytest.raises(ValueError) as e:
            tftsr.redact("bob@example.com", "pseudonym", key)
        assert "key must be 32 bytes" in str(e.value)
        assert str(key) not in str(e.value) and SECRET not in str(e.value)


def test_pseudonyms_are_stable_per_key_and_differ_across_keys():
    text = "from bob@example.com to bob@example.com and alice@example.org"
    k1, k2 = tftsr.generate_key(), tftsr.generate_key()
    a = tftsr.redact(text, "pseudonym", k1)
    assert a == tftsr.redact(text, "pseudonym", bytes.fromhex(k1)) == tftsr.Engine().redact(text, "pseudonym", k1)
    toks = a.split()
    assert toks[1] == toks[3] != toks[5] and toks[1].startswith("[Email-")
    assert tftsr.redact(text, "pseudonym", k2) != a


def test_key_from_env_names_the_variable_not_the_value(tmp_path):
    # In a child process given its environment: setting a variable in this one would change
    # process-wide state that other threads (Arrow's pools, the engine's) may be reading.
    probe = textwrap.dedent(
        """
        import tftsr
        try:
            print("key", tftsr.key_from_env("TFTSR_TEST_KEY"))
        except KeyError as e:
            print("error", e)
        """
    )

    def run(**env):
        base = {k: v for k, v in os.environ.items() if k != "TFTSR_TEST_KEY"}
        out = subprocess.run(
            [sys.executable, "-c", probe],
            env={**base, **env},
            cwd=tmp_path,  # not python/, whose tftsr/ sources lack the native module
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout.strip()

    assert "TFTSR_TEST_KEY is not set" in run()
    assert "TFTSR_TEST_KEY is not set" in run(TFTSR_TEST_KEY="  ")
    key = tftsr.generate_key()
    assert run(TFTSR_TEST_KEY=key + "\n") == f"key {key}"
    assert key not in run(TFTSR_TEST_KEY_OTHER=key)


def test_a_finding_repr_never_shows_the_value():
    (f,) = tftsr.scan(f"password={SECRET}")
    assert f.type == "password" and f.value is None
    assert SECRET not in repr(f) and "password" in repr(f)
    (g,) = tftsr.scan(f"password={SECRET}", values=True)
    assert g.value == SECRET and SECRET not in repr(g)
    assert len(f.fingerprint) == 64 and f.fingerprint == g.fingerprint
