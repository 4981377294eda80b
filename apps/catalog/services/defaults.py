"""Default route table and data use agreement (SVC-2, SEC-4), loaded after every migrate and flush.

What a department has since edited is never overwritten:

- The route table is loaded as a whole when it is empty. Once it has a row the national department owns
  it: re-adding one default row later (for example after its priority was changed) would silently change
  the routes of new applications, so nothing is added to a table that exists.
- The first data use agreement is created when there is no agreement at all.

Texts of the default rules (names, the refusal reason) are stored as their English msgids, marked with
`gettext_noop` so that they are extracted for translation, and shown with `gettext(value)`: the default
rows read in the visitor's language, while a text a department types in (usually Chinese) is shown as
typed, because gettext returns an unknown text unchanged. A single CharField cannot hold both languages
otherwise, and the msgid stays the one key between the code, the database and the catalogue.
"""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils.translation import gettext_noop

from apps.core.history import save_tracked

from ..models import DataUseAgreement, RouteRule, StepKind

NOT_SHAREABLE_REASON = gettext_noop(
    "This data resource is not shared: its provider has declared it not shareable.")

# priority, name, conditions, steps; the first active rule (lowest priority) that matches decides.
DEFAULT_RULES = [
    {"priority": 10, "name": gettext_noop("Not shareable"), "sharing_type": "not_shareable", "refuse": True,
     "refusal_reason": NOT_SHAREABLE_REASON, "steps": []},
    {"priority": 20, "name": gettext_noop("Level 4-5, parties in different provinces"), "min_level": 4,
     "max_level": 5, "jurisdictions": "other_province",
     "steps": [StepKind.PROVIDER, StepKind.PROVIDER_MUNICIPAL, StepKind.PROVIDER_PROVINCIAL,
               StepKind.APPLICANT_PROVINCIAL]},
    {"priority": 30, "name": gettext_noop("Level 4-5"), "min_level": 4, "max_level": 5,
     "steps": [StepKind.PROVIDER, StepKind.PROVIDER_MUNICIPAL, StepKind.PROVIDER_PROVINCIAL]},
    {"priority": 40, "name": gettext_noop("Level 3"), "min_level": 3, "max_level": 3,
     "steps": [StepKind.PROVIDER, StepKind.PROVIDER_MUNICIPAL]},
    {"priority": 50, "name": gettext_noop("Level 1-2"), "min_level": 1, "max_level": 2,
     "steps": [StepKind.PROVIDER]},
]

AGREEMENT_VERSION = "1.0"
AGREEMENT_EFFECTIVE_FROM = datetime.date(2026, 1, 1)

AGREEMENT_TEXT = """健康医疗数据使用协议（第1.0版）

本协议依据《中华人民共和国网络安全法》《中华人民共和国数据安全法》《中华人民共和国个人信息保护法》和《国家健康医疗大数据标准、安全和服务管理办法（试行）》制定。经批准的数据共享申请中列明的每一名数据接收人（以下简称“接收人”）在使用数据前须接受本协议。接收人所在单位对本协议的履行承担主体责任。

第一条 目的限定
接收人只能在批准的用途、项目和期限内使用数据，不得超出批准范围使用。用途、项目内容、接收人或者期限发生变化的，应当通过平台提出变更、延期或者续期申请，经批准后方可继续使用。

第二条 最小必要
接收人只能使用批准的数据项，不得尝试获取未经批准的数据，不得将数据与其他数据集进行未经批准的关联、比对或者合并。

第三条 禁止重新识别
接收人不得以任何方式识别或者试图重新识别数据所涉及的个人，包括与其他数据关联比对、联系数据所涉及的个人等。发现数据中含有可以识别个人的信息的，应当立即停止使用，并告知数据提供方。

第四条 禁止转让
接收人不得向批准名单以外的任何单位或者个人提供、转让、出售、出租或者公开数据及可以还原为原始数据的衍生数据。成果发表和对外报告只能使用不能识别个人的汇总统计结果。

第五条 安全保护措施
接收人应当落实申请中承诺的安全保护措施，至少包括：符合网络安全等级保护要求的专用环境、最小授权的访问控制、存储和传输加密、操作日志留存不少于六个月、专人管理。不得将数据存放于未经批准的设备、个人终端或者互联网公共服务。

第六条 境内存储
数据应当存储于中华人民共和国境内的服务器。未依法完成数据出境安全评估并经批准的，不得向境外提供数据，也不得允许境外访问数据。

第七条 报告义务
接收人应当按照批准要求按期提交进展报告和结题报告。发生或者可能发生数据泄露、篡改、丢失、滥用等安全事件的，应当立即采取处置措施，并及时向数据提供方和主管卫生健康行政部门报告。

第八条 期满销毁
授权期满、被撤销或者项目提前终止的，接收人应当在三十日内删除、销毁全部数据及其副本（包括备份），并通过平台提交数据销毁证明。确需继续使用的，应当在期满前申请续期。

第九条 监督检查
接收人及其所在单位应当接受数据提供方和卫生健康行政部门的监督检查与审计，如实提供数据使用记录、访问日志和安全措施落实情况。

第十条 违约责任
违反本协议的，数据提供方和主管部门可以暂停或者撤销授权、要求立即销毁数据，并记入接收人所在单位的信用记录；构成违法的，依照有关法律、行政法规追究法律责任。

本协议自接收人在平台上接受之日起对其生效，接受的版本、时间和接收人由平台记录。"""

AGREEMENT_TEXT_EN = """Health data use agreement (version 1.0)

This agreement is made under the Cybersecurity Law, the Data Security Law and the Personal Information Protection Law of the People's Republic of China and the Measures for the Administration of the Standards, Security and Services of National Health and Medical Big Data (Trial). Every recipient named in an approved data sharing application ("the recipient") accepts it before using the data. The recipient's institution is primarily responsible for its observance. The Chinese text prevails.

Article 1 Purpose limitation
The recipient uses the data only for the approved purpose, project and period. A change of purpose, project, recipients or period needs an amendment, extension or renewal application approved through the portal before the data are used further.

Article 2 Data minimisation
The recipient uses only the approved data items, does not try to obtain data that were not approved, and does not link, match or merge the data with other data sets without approval.

Article 3 No re-identification
The recipient does not identify, or try to re-identify, the persons the data concern, in any way, including by linking the data with other data or by contacting those persons. A recipient who finds identifying information in the data stops using them at once and informs the provider.

Article 4 No onward transfer
The recipient does not provide, transfer, sell, rent or publish the data, or derived data from which the original data can be recovered, to any organisation or person not named in the approval. Publications and external reports use only aggregate statistics that cannot identify anyone.

Article 5 Security measures
The recipient implements the security measures promised in the application, at least: a dedicated environment meeting the multi-level protection scheme, least-privilege access control, encryption in storage and transmission, operation logs kept for at least six months, and a named person in charge. The data are never stored on unapproved equipment, personal devices or public internet services.

Article 6 Storage inside China
The data are stored on servers inside the People's Republic of China. Without a security assessment of the export carried out according to law and an approval, the data are neither provided abroad nor made accessible from abroad.

Article 7 Reporting
The recipient files progress and final reports as the approval requires. When a leak, alteration, loss or misuse of the data happens or may happen, the recipient takes remedial measures at once and reports to the provider and the competent health administrative department without delay.

Article 8 Destruction at the end
Within thirty days after the grant expires, is revoked or the project ends early, the recipient deletes and destroys all data and copies (backups included) and files a certificate of destruction through the portal. Continued use needs a renewal applied for before the end.

Article 9 Audit
The recipient and its institution accept supervision, inspection and audit by the provider and the health administrative departments, and give true records of data use, access logs and the security measures in place.

Article 10 Consequences of breach
On a breach of this agreement the provider and the competent departments may suspend or revoke the grant, require the immediate destruction of the data and record the breach in the credit record of the recipient's institution; unlawful acts are prosecuted under the laws and administrative regulations.

This agreement binds the recipient from the day the recipient accepts it on the portal, which records the version, the time and the recipient."""


@transaction.atomic
def defaults_ensure(by=None) -> dict[str, int]:
    """Create the default route table when it is empty and the first agreement when there is none;
    return how many rows of each were created."""
    from apps.accounts.services import system_account

    created = {"rules": 0, "agreements": 0}
    actor = by
    if not RouteRule.objects.exists():
        actor = actor or system_account()
        for row in DEFAULT_RULES:
            rule = RouteRule(**{**row, "steps": [str(kind) for kind in row["steps"]]}, updated_by=actor)
            save_tracked(rule, by=actor, reason="default route table")
            created["rules"] += 1
    if not DataUseAgreement.objects.exists():
        actor = actor or system_account()
        agreement = DataUseAgreement(version=AGREEMENT_VERSION, text=AGREEMENT_TEXT, text_en=AGREEMENT_TEXT_EN,
                                     effective_from=AGREEMENT_EFFECTIVE_FROM, is_current=True, created_by=actor)
        save_tracked(agreement, by=actor, reason="first data use agreement")
        created["agreements"] += 1
    return created


def load_defaults_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: skip quietly while the catalog tables do not exist (migrating to zero)."""
    if using != "default":
        return
    tables = connection.introspection.table_names()
    if RouteRule._meta.db_table not in tables or DataUseAgreement._meta.db_table not in tables:
        return
    defaults_ensure()
