"""System checks run by every `manage.py` command (migrate, db_worker, sla_checks, check …).

Errors stop the command, so a malformed key is reported at deployment, naming the variable, instead of at
the first registration or import that needs it. The warnings under `check --deploy` catch settings that
are fine for a demonstration but wrong for real residents' data. Key material is never printed.

IDs: yangguang.E001–E005 (keys), yangguang.W001–W004 (deployment).
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.translation import gettext as _

from yangguang.lib.crypto import Keyring, decode_key

FIELD_KEYS_VARIABLE = "YANGGUANG_FIELD_KEYS"
KEY_HINT = '.venv/bin/python -c "from yangguang.lib.crypto import generate_key; print(generate_key())"'


def _key_ids_in_environment() -> list[str]:
    """Key ids as written in YANGGUANG_FIELD_KEYS, repeats included. Settings turns the variable into a
    dict, where a repeated id silently keeps only one of its keys (perhaps not the intended current one),
    so repeats can only be seen in the raw value. Unset (development secrets): nothing to check."""
    raw = os.environ.get(FIELD_KEYS_VARIABLE, "")
    if ":" not in raw:
        return []
    return [item.strip().partition(":")[0] for item in raw.split(",") if item.strip()]


@register(Tags.security)
def check_encryption_keys(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    errors: list[CheckMessage] = []
    field_keys: dict[str, str] = dict(settings.FIELD_ENCRYPTION_KEYS)
    index_key: str = settings.BLIND_INDEX_KEY
    decoded: dict[str, bytes] = {}
    for key_id, value in field_keys.items():
        try:
            decoded[key_id] = decode_key(key_id, value)
        except ValueError:
            errors.append(
                Error(
                    _("%(variable)s 中密钥 %(key)s 不是 32 字节密钥的 base64 编码。")
                    % {"variable": FIELD_KEYS_VARIABLE, "key": key_id},
                    hint=_("用以下命令生成新密钥：%(command)s") % {"command": KEY_HINT},
                    id="yangguang.E001",
                )
            )
    index_raw: bytes | None = None
    try:
        index_raw = decode_key("index", index_key)
    except ValueError:
        errors.append(
            Error(
                _("YANGGUANG_INDEX_KEY 不是 32 字节密钥的 base64 编码。"),
                hint=_("已有数据时不要更换索引密钥，请找回原来的值；全新安装可用以下命令生成：%(command)s")
                % {"command": KEY_HINT},
                id="yangguang.E002",
            )
        )
    for key_id, count in Counter(_key_ids_in_environment()).items():
        if count > 1:
            errors.append(
                Error(
                    _("%(variable)s 中密钥编号 %(key)s 出现了 %(count)d 次，只会用其中一个。")
                    % {"variable": FIELD_KEYS_VARIABLE, "key": key_id, "count": count},
                    hint=_("每个密钥用不同的编号，例如 k2:<新密钥>,k1:<旧密钥>。"),
                    id="yangguang.E003",
                )
            )
    if index_raw is not None:
        for key_id, raw in decoded.items():
            if raw == index_raw:
                errors.append(
                    Error(
                        _("%(variable)s 中密钥 %(key)s 与 YANGGUANG_INDEX_KEY 相同。")
                        % {"variable": FIELD_KEYS_VARIABLE, "key": key_id},
                        hint=_("加密密钥和索引密钥必须分别生成，例如用：%(command)s") % {"command": KEY_HINT},
                        id="yangguang.E004",
                    )
                )
    if not errors and field_keys:
        # Whatever else the keyring refuses, such as a key id with Chinese characters.
        try:
            Keyring.from_config(field_keys, settings.FIELD_ENCRYPTION_CURRENT, index_key)
        except ValueError as exc:
            errors.append(
                Error(
                    _("字段加密密钥配置无效：%(reason)s") % {"reason": exc},
                    hint=_("密钥编号只能用英文字母、数字和符号，例如 k1、2026a。"),
                    id="yangguang.E005",
                )
            )
    return errors


@register(Tags.security, deploy=True)
def check_production_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    warnings: list[CheckMessage] = []
    if not settings.DEBUG and settings.DEMO_MODE:
        warnings.append(
            Warning(
                _(
                    "演示模式（YANGGUANG_DEMO）在生产环境中开启：页面显示演示横幅，区级和街道角色默认不需要双因素认证。"
                ),
                hint=_("在环境文件中设置 YANGGUANG_DEMO=false。"),
                id="yangguang.W001",
            )
        )
    if not settings.DEMO_MODE and not settings.REQUIRE_2FA_FOR_PRIVILEGED:
        warnings.append(
            Warning(
                _("区级和街道角色的双因素认证已关闭（YANGGUANG_REQUIRE_2FA=false），页面上却没有任何提示。"),
                hint=_("删除 YANGGUANG_REQUIRE_2FA 这一行，要求即恢复开启。"),
                id="yangguang.W002",
            )
        )
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend == "django.core.cache.backends.locmem.LocMemCache":
        warnings.append(
            Warning(
                _(
                    "缓存为每个进程各自一份（locmem://）：同一地址提交项目评价的次数限制在每个进程里分别计数，会放宽好几倍。"
                ),
                hint=_("设置 YANGGUANG_CACHE_URL=file://cache，或 redis://… 。"),
                id="yangguang.W003",
            )
        )
    warnings.extend(_check_static_manifest())
    return warnings


def _check_static_manifest() -> list[CheckMessage]:
    """With hashed static file names, a page whose file is missing from the manifest fails with an error:
    after an upgrade without `collectstatic`, every page would."""
    from django.contrib.staticfiles.storage import ManifestFilesMixin, staticfiles_storage

    # The lazy storage object passes isinstance() on to the configured class.
    if not isinstance(staticfiles_storage, ManifestFilesMixin):
        return []
    storage: Any = staticfiles_storage
    if storage.manifest_storage.exists(storage.manifest_name):
        return []
    return [
        Warning(
            _("静态文件清单 %(path)s 不存在：页面会因找不到带哈希的文件名而出错。")
            % {"path": os.path.join(str(settings.STATIC_ROOT), storage.manifest_name)},
            hint=_("运行 manage.py collectstatic --noinput。"),
            id="yangguang.W004",
        )
    ]
