import pytest

from helpers.learner.profile import ProfileError, course_profile, profile_name


@pytest.mark.parametrize("value, expected", [(None, "full"), ("quick", "quick"), ("FULL", "full"), ("", "full")])
def test_profile_names(monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("COURSE_PROFILE", raising=False)
    else:
        monkeypatch.setenv("COURSE_PROFILE", value)
    assert profile_name() == expected


def test_unknown_profile_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_PROFILE", "quik")
    with pytest.raises(ProfileError, match="'quik' is not a course profile"):
        course_profile(full=dict(epochs=10), quick=dict(epochs=1))


def test_settings_follow_the_profile(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PROFILE", "quick")
    settings = course_profile(full=dict(epochs=10, repeats=30), quick=dict(epochs=1, repeats=2))
    assert (settings.profile, settings.epochs, settings.repeats) == ("quick", 1, 2)
    assert "Course profile 'quick': epochs=1, repeats=2" in capsys.readouterr().out


def test_profiles_must_set_the_same_names():
    with pytest.raises(ValueError, match="same names"):
        course_profile(full=dict(epochs=10), quick=dict(repeats=1))
