"""A strict, safe YAML reader for config files.

PyYAML's SafeLoader follows YAML 1.1, which turns the unquoted `Yes`, `No`, `On`, `Off`, `Y`, `N`
into booleans and silently keeps the last of two equal keys. In a CRM config `Churn: {Yes: true}`
means the string "Yes", and a repeated key is a mistake to report, so this loader fixes both.
"""

from __future__ import annotations

import re

import yaml

from crmctl.errors import ConfigError

_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_MAX_ALIASES = 100  # bounds alias expansion ("billion laughs") in a hand-written config
# ... but 9 aliases of 9 aliases of … a list are few aliases and a billion values once walked: the
# loaded document is also bounded in values, counted as the config's readers would walk it (an alias
# as often as it is used). The sample config has about 300; a config of thousands is already unusual.
MAX_VALUES = 100_000


class _StrictLoader(yaml.SafeLoader):
    aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > _MAX_ALIASES:
                raise yaml.YAMLError(f"more than {_MAX_ALIASES} aliases; write the values out")
        return super().compose_node(parent, index)


# Drop YAML 1.1's yes/no/on/off booleans; keep true/false.
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False):
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            mark = key_node.start_mark
            loader.duplicates.append(f"line {mark.line + 1}: key {key!r} appears twice (first on line {seen[key]})")
        else:
            seen[key] = key_node.start_mark.line + 1
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(text: str, source: str):
    """Parse `text`; syntax errors, duplicate keys and alias bombs become ConfigError naming `source`."""
    loader = _StrictLoader(text)
    loader.duplicates = []
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise ConfigError(f"{source}: YAML syntax error at {where}: {exc.problem}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{source}: cannot read YAML: {exc}") from None
    finally:
        loader.dispose()
    if loader.duplicates:
        raise ConfigError(f"{source}: duplicate keys", loader.duplicates)
    if _too_many_values(data, MAX_VALUES):
        raise ConfigError(f"{source}: the config expands to more than {MAX_VALUES:,} values (YAML aliases "
                          "repeated inside each other?); write the values out")
    return data


def _too_many_values(data, limit: int) -> bool:
    """Whether walking `data` (shared lists and mappings once per use) visits more than `limit` values;
    the walk stops at the limit, so a billion-value document costs as much as a limit-value one."""
    stack, seen = [data], 0
    while stack:
        value = stack.pop()
        seen += 1
        if seen > limit:
            return True
        if isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False
