"""`manage.py district <action>`: onboarding and the lifecycle from the command line.

    manage.py district onboard --slug wanzhou --name 万州区 --platform-name 信用万州 \\
        --region-code 500101 --domain credit.wanzhou.example --admin-email admin@example.cn
    manage.py district list
    manage.py district suspend|resume|archive|restore|purge SLUG [--reason ...]
    manage.py district request-deletion SLUG [--grace-days N] [--reason ...]
    manage.py district purge-due
    manage.py district template
    manage.py district add-domain SLUG DOMAIN [--primary]
    manage.py district operator          (deployments: route OPERATOR_DOMAINS to the console)
    manage.py district sandbox DOMAIN    (the developers' sandbox: generated data, ck_test_ keys)
    manage.py district upstream SLUG     (the district's upstream platforms and their URLs)
    manage.py district set-upstream SLUG NAME URL   (add one or change its URL; "" stops pushing)
    manage.py district nodes             (on Citus: the workers and the districts each holds)
    manage.py district move SLUG --to HOST:PORT [--block-writes]   (on Citus: to another worker)
    manage.py district rebalance         (on Citus: spread the districts over the workers)
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError

from core.common.actors import Actor
from core.common.commands import Command as ProjectCommand
from core.common.errors import ApplicationError
from core.upstream.selectors import district_upstream_endpoint_list
from provisioning.management.ready import require_migrated
from provisioning.services import cluster, lifecycle
from provisioning.services.domains import district_domain_add
from provisioning.services.onboarding import OnboardingRequest, district_onboard
from provisioning.services.operator import operator_ensure
from provisioning.services.sandbox import sandbox_ensure
from provisioning.services.spares import spare_pool_fill
from provisioning.services.template import template_ensure
from provisioning.services.upstream import district_upstream_endpoint_set
from tenants.enums import DistrictStatus
from tenants.links import district_url, first_login_path
from tenants.selectors import (
    district_get,
    district_list,
    district_overview_list,
)

LIFECYCLE = {
    "suspend": lifecycle.district_suspend,
    "resume": lifecycle.district_resume,
    "archive": lifecycle.district_archive,
    "restore": lifecycle.district_deletion_cancel,
}


class Command(ProjectCommand):
    help = "Onboard districts and move them through their lifecycle."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        onboard = sub.add_parser("onboard", help="create a ready district")
        onboard.add_argument("--slug", required=True)
        onboard.add_argument("--name", required=True)
        onboard.add_argument("--platform-name", required=True)
        onboard.add_argument("--region-code", required=True)
        onboard.add_argument("--domain", required=True)
        onboard.add_argument("--admin-email", required=True)
        onboard.add_argument("--admin-name", default="")
        onboard.add_argument("--port", default="", help="port to print in the login link")
        sub.add_parser("list", help="districts with status, domains and counts")
        for name in (*LIFECYCLE, "purge"):
            step = sub.add_parser(name)
            step.add_argument("slug")
            step.add_argument("--reason", default="")
        deletion = sub.add_parser("request-deletion")
        deletion.add_argument("slug")
        deletion.add_argument("--reason", default="")
        deletion.add_argument("--grace-days", type=int, default=None)
        sub.add_parser("purge-due", help="purge districts whose grace period has passed")
        sub.add_parser("template", help="bring the template schema up to date")
        sub.add_parser("operator", help="route OPERATOR_DOMAINS to the operator console")
        sandbox = sub.add_parser("sandbox", help="set up the developers' sandbox on DOMAIN")
        sandbox.add_argument("domain")
        domain = sub.add_parser("add-domain", help="serve the district on another host name")
        domain.add_argument("slug")
        domain.add_argument("domain")
        domain.add_argument("--primary", action="store_true", help="links and e-mails use it")
        upstream = sub.add_parser("upstream", help="the district's upstream platforms")
        upstream.add_argument("slug")
        set_upstream = sub.add_parser(
            "set-upstream", help="add an upstream platform or change its URL (HTTPS, allowed host)"
        )
        set_upstream.add_argument("slug")
        set_upstream.add_argument("name", help="e.g. 信用重庆")
        set_upstream.add_argument(
            "url", help='https://…, on UPSTREAM_ALLOWED_HOSTS; "" stops pushing'
        )

        sub.add_parser("nodes", help="on Citus: the workers and the districts each holds")
        sub.add_parser("rebalance", help="on Citus: spread the districts over the workers")
        move = sub.add_parser("move", help="on Citus: move a district to another worker")
        move.add_argument("slug")
        move.add_argument("--to", required=True, help="the worker, HOST:PORT (see `nodes`)")
        move.add_argument(
            "--block-writes",
            action="store_true",
            help="copy with writes blocked (no logical replication needed); reads go on",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        require_migrated()
        action = options["action"]
        actor = Actor.cli()
        try:
            if action == "onboard":
                self._onboard(options, actor)
            elif action == "list":
                self._list()
            elif action == "purge-due":
                purged = lifecycle.district_purge_due(actor=actor)
                self.stdout.write(f"已清除 {len(purged)} 个区县：{', '.join(purged) or '无'}")
            elif action == "operator":
                operator_ensure(domains=settings.OPERATOR_DOMAINS)
                self.stdout.write(f"运营方域名：{', '.join(settings.OPERATOR_DOMAINS)}")
            elif action == "sandbox":
                district = sandbox_ensure(domain=options["domain"], actor=actor)
                host = district.domains.get(is_primary=True).domain
                self.stdout.write(f"开发者沙箱：{district_url(domain=host, path='/')}")
            elif action == "add-domain":
                added = district_domain_add(district=district_get(slug=options["slug"]),
                                            domain=options["domain"], primary=options["primary"],
                                            actor=actor)  # fmt: skip
                self.stdout.write(
                    f"已添加域名：{added.domain}{'（主域名）' if added.is_primary else ''}"
                )
            elif action == "upstream":
                self._upstream(options["slug"])
            elif action == "nodes":
                self._nodes()
            elif action == "rebalance":
                balanced = cluster.cluster_rebalance(actor=actor)
                self.stdout.write(
                    f"重新均衡完成：迁移了 {balanced.moved} 个模式（区县、模板或备用模式），"
                    f"用时 {balanced.seconds:.1f} 秒"
                )
                self._nodes()
            elif action == "move":
                moved = cluster.district_move(
                    district=district_get(slug=options["slug"]), target=options["to"], actor=actor,
                    transfer_mode="block_writes" if options["block_writes"] else "auto",
                )  # fmt: skip
                self.stdout.write(
                    f"{moved.district.name}（{moved.district.schema_name}）已从工作节点 "
                    f"{moved.source} 迁移到 {moved.target}，用时 {moved.seconds:.1f} 秒"
                )
            elif action == "set-upstream":
                endpoint = district_upstream_endpoint_set(
                    district=district_get(slug=options["slug"]), name=options["name"],
                    url=options["url"], actor=actor,
                )  # fmt: skip
                self.stdout.write(
                    f"已设置上报地址：{endpoint.name} {endpoint.url or '（无，不推送）'}"
                )
            elif action == "template":
                changed = template_ensure(verbosity=1)
                self.stdout.write("模板已更新" if changed else "模板已是最新")
                created = spare_pool_fill()
                self.stdout.write(f"备用模式：新建 {created} 个")
            else:
                self._step(action, options, actor)
        except ApplicationError as exc:
            # The message says what is wrong in Chinese; the field's code is for forms, not people.
            raise CommandError(exc.message) from exc

    def _onboard(self, options: dict[str, Any], actor: Actor) -> None:
        result = district_onboard(
            request=OnboardingRequest(
                slug=options["slug"],
                name=options["name"],
                platform_name=options["platform_name"],
                region_code=options["region_code"],
                domain=options["domain"],
                admin_email=options["admin_email"],
                admin_name=options["admin_name"],
            ),
            actor=actor,
        )
        verb = "已开通" if result.created else "已存在（重复请求，未重复创建）"
        if result.from_spare:
            verb += "（使用预建模式）"
        self.stdout.write(
            f"{result.district.name}（{result.district.schema_name}）{verb}，用时 {result.seconds:.3f} 秒"
        )
        port = options["port"] or None
        self.stdout.write(f"门户：{district_url(domain=result.domain, path='/', port=port)}")
        if result.login_token:
            link = district_url(
                domain=result.domain, path=first_login_path(result.login_token), port=port
            )
            self.stdout.write(f"管理员 {result.admin_email} 的一次性登录链接（仅显示一次）：{link}")
        else:
            self.stdout.write(f"管理员 {result.admin_email} 已登录过，未重新签发登录链接")

    def _list(self) -> None:
        rows = district_overview_list()
        if not rows:
            self.stdout.write("尚无区县")
            return
        statuses = dict(DistrictStatus.choices)
        for row in rows:
            status = statuses.get(row.status, row.status)
            self.stdout.write(
                f"{row.slug:<16} {row.name:<8} {row.platform_name:<8} {row.region_code} "
                f"{status:<6} 职员 {row.staff_count:<3} 目录项 {row.catalogue_item_count:<3} "
                f"{', '.join(row.domains)}"
            )

    def _nodes(self) -> None:
        if not cluster.citus_active():
            self.stdout.write(
                "本部署的数据库是单台 PostgreSQL，不是 Citus 集群：所有区县在同一台服务器上"
            )
            return
        names = {row.schema_name: row.name for row in district_list()}
        for worker in cluster.cluster_workers():
            districts = [names[s] for s in worker.schemas if s in names]
            others = len(worker.schemas) - len(districts)
            self.stdout.write(
                f"工作节点 {worker.address}：区县 {len(districts)} 个"
                f"（{'、'.join(districts) or '无'}），模板与备用模式 {others} 个，"
                f"数据 {worker.bytes / 1048576:.1f} MB"
            )

    def _upstream(self, slug: str) -> None:
        rows = district_upstream_endpoint_list(district=district_get(slug=slug))
        if not rows:
            self.stdout.write("尚无上级平台")
        for row in rows:
            state = "已启用" if row.enabled else "未启用"
            token = "已设置令牌" if row.has_token else "未设置令牌"
            self.stdout.write(f"{row.name}  {row.url or '（无上报地址）'}  {state}  {token}")

    def _step(self, action: str, options: dict[str, Any], actor: Actor) -> None:
        district = district_get(slug=options["slug"])
        if action == "request-deletion":
            district = lifecycle.district_request_deletion(
                district=district,
                actor=actor,
                reason=options["reason"],
                grace_days=options["grace_days"],
            )
        elif action == "purge":
            district = lifecycle.district_purge(district=district, actor=actor)
        else:
            district = LIFECYCLE[action](district=district, actor=actor, reason=options["reason"])
        self.stdout.write(
            f"{district.name}（{district.schema_name}）：{district.get_status_display()}"
        )
