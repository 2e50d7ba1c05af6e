"""Chinese descriptions of the district schema (issue 24): what institutions and department
systems read in the SDL, in introspection (GraphiQL's docs) and on the API reference pages.

The `description=` strings in the types stay the developers' English notes; this table, keyed by
schema coordinate (`Type`, `Type.field`, `Type.field(argument:)`, `Enum.VALUE`), replaces them in
the district schema when it is built, and also covers what strawberry itself defines (PageInfo,
the Relay connection types, the scalars). `tests/graphql_api/test_descriptions.py` fails on any
type, field, argument or enum value of the district schema without a Chinese description, and on
any entry here that no longer names something in the schema."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
)

_TABLE = """
BulkJobRowType|批量任务的一行：代码、结果和原因。
BulkJobRowType.row|在提交列表中的位置，从1开始。
BulkJobRowType.code|提交的代码（已规范化）。
BulkJobRowType.status|状态：PENDING（未处理）、FOUND（已查得，已计费）、NOT_FOUND（未查得）、NO_CONSENT（未获授权）、INVALID（代码无效）、DUPLICATE（重复）、ALREADY（已在监测中）。
BulkJobRowType.reason|原因说明（已查得时为空）。
BulkJobRowType.result|已查得行的结果（评分、订阅的主体，或基础版信用报告的报告编号 report 及其PDF短时下载链接 pdfUrl）；其他为 null。
BulkJobType|批量任务及其进度。
BulkJobType.id|任务编号。
BulkJobType.product|产品：score（信用评分）、monitoring（信用监测订阅）或 basic_report（基础版信用报告）。
BulkJobType.status|状态：QUEUED（排队中）、RUNNING（处理中）、DONE（已完成）或 CAPPED（已达月度上限）。
BulkJobType.total|提交的行数。
BulkJobType.done|已有最终状态的行数。
BulkJobType.found|已查得并计费的行数。
BulkJobType.amountYuan|已计费金额（元，含税）。
BulkJobType.stopReason|任务提前停止（如达到月度上限）的原因。
BulkJobType.rows|所请求的行（自 offset 起至多 first 行，first 不超过1000），按行号排列。
BulkJobSubmitInput|批量任务：一个产品，至多100000个代码。
BulkJobSubmitInput.product|产品：score（信用评分，按批量评分查询价格对每个查得的组织计费）、monitoring（信用监测订阅）或 basic_report（基础版信用报告，按基础版信用报告价格对每份出具的报告计费）。
BulkJobSubmitInput.codes|统一社会信用代码，1–100000个，放在变量中提交（也可将CSV/XLSX文件上传至 /api/bulk-jobs/，见接口文档）。
BulkJobSubmitInput.purpose|查询用途（如：贷后管理）。
BulkJobSubmitInput.idempotencyKey|幂等键：每个任务新生成；重试时保持不变，返回已创建的任务。
BulkJobSubmitPayload|bulkJobSubmit 的结果。
BulkJobSubmitPayload.job|已创建（或按幂等键找到）的任务。
BulkJobSubmitPayload.errors|提交失败的原因；成功时为空。
Mutation.bulkJobSubmit|提交批量任务（异步处理）：通过 bulkJob 查询进度和逐行结果。每个查得的行计费一次（幂等键 job:<编号>:<行号>）；达到月度上限时任务停止（CAPPED），其后的行保持未处理。
Mutation.bulkJobSubmit(data:)|任务内容。
Query.bulkJob|调用机构在本区县的一个批量任务：进度，以及自 offset 起的 first 行（不超过1000）。
Query.bulkJob(id:)|任务编号。
Query.bulkJob(offset:)|从第几行之后开始（0为从头）。
Query.bulkJob(first:)|返回的行数，0–1000；0 只返回进度。
BillingAccount|调用机构在本区县的账户。
BillingAccount.customer|机构名称。
BillingAccount.contract|合同编号。
BillingAccount.mode|计费方式：postpaid（后付费）或 prepaid（预付费）。
BillingAccount.products|合同开通的产品代码。
BillingAccount.monthlyCapUnits|每月调用次数上限；无上限时为 null。
BillingAccount.monthlyCapYuan|每月金额上限（元）；无上限时为 null。
BillingAccount.usedUnits|本月已计费的调用次数。
BillingAccount.usedYuan|本月已计费的金额（元）。
BillingAccount.walletBalanceYuan|预付费钱包余额（元）；后付费时为 null。
BillingAccount.packages|预付费套餐的剩余次数，按产品。
BillingAccount.usage|本月用量，按产品。
BillingAccount.invoices|已开具的月度账单。
BillingError|请求有误；未产生任何费用。
BillingError.code|机器可读的错误代码。
BillingError.message|错误说明（中文）。
BillingError.field|出错的输入字段。
BillingError.retryAfter|错误代码为 RATE_LIMITED 时：需等待的秒数（同时在 Retry-After 响应头中给出）。
BillingErrorCode|购买或计费请求失败的原因。
BillingErrorCode.INVALID|输入不合法，见 field 与 message。
BillingErrorCode.NOT_FOUND|未找到所指的主体、授权书或报告。
BillingErrorCode.UNAUTHENTICATED|未携带有效的机构密钥（Authorization: Bearer ck_…）。
BillingErrorCode.FORBIDDEN|来源地址不在该密钥的白名单内。
BillingErrorCode.OUT_OF_SCOPE|该密钥或合同不包括此产品、此区县或授权范围。
BillingErrorCode.NO_CONTRACT|机构在本区县没有生效的合同。
BillingErrorCode.NOT_FOR_SALE|该产品在本区县尚未定价，暂不可购买。
BillingErrorCode.CONSENT_REQUIRED|需要主体的有效授权书（先用 consentLodge 提交）。
BillingErrorCode.QUOTA_EXCEEDED|已达合同的月度次数或金额上限。
BillingErrorCode.WALLET_INSUFFICIENT|预付费钱包余额不足。
BillingErrorCode.PACKAGE_EXHAUSTED|预付费套餐次数已用完。
BillingErrorCode.RATE_LIMITED|调用过于频繁，请在 retryAfter 秒后重试。
BillingErrorCode.IDEMPOTENCY_KEY_REUSED|幂等键已用于另一内容不同的请求。
BillingErrorCode.CONFLICT|与同时进行的另一请求冲突，请稍后重试。
BillingErrorCode.SANDBOX_KEY|沙箱密钥（ck_test_ 开头）调用了正式区县；沙箱密钥只能调用开发者沙箱。
BillingErrorCode.LIVE_KEY_IN_SANDBOX|正式密钥调用了开发者沙箱；沙箱只接受沙箱密钥。
CatalogCategory|信息目录的一个类别。
CatalogCategory.number|在所属版本中的序号（全国目录为 1–11）。
CatalogCategory.name|类别名称。
CatalogCategory.version|所属目录版本。
CatalogCategory.items|该类别下的信息项。
CatalogCategoryConnection|信息类别的分页列表（Relay 连接）。
CatalogCategoryConnection.pageInfo|分页信息。
CatalogCategoryConnection.edges|本页的各条目。
CatalogCategoryConnection.totalCount|条目总数。
CatalogCategoryEdge|分页列表中的一条。
CatalogCategoryEdge.cursor|该条的游标，用于翻页。
CatalogCategoryEdge.node|该条对应的信息类别。
CatalogItem|一个信息项。
CatalogItem.code|信息项代码，例如 N03-02。
CatalogItem.name|信息项名称，例如“行政处罚信息”。
CatalogItem.disclosure|公开属性：public（公开）、authorised（授权查询）或 government（政务共享）。
CatalogItem.subjectScope|适用主体：legal（法人）、natural（自然人）或 all（全部）。
CatalogItem.isActive|记录能否使用该信息项。
CatalogVersion|信息目录的一个版本。
CatalogVersion.code|版本代码，例如 national-2021。
CatalogVersion.name|版本标题。
CatalogVersion.source|来源：national（全国）或 district（区县）。
CatalogVersion.effectiveFrom|生效日期。
ChargeType|本次调用的费用与余量。
ChargeType.product|产品代码，例如 basic_report。
ChargeType.units|计费次数。
ChargeType.amountYuan|计费金额（元，含增值税）。
ChargeType.replayed|为真时，表示这是对使用相同幂等键的重试的应答：不重复计费。
ChargeType.remainingUnits|月度上限下剩余的调用次数。
ChargeType.remainingYuan|月度上限下剩余的金额（元）。
ChargeType.walletBalanceYuan|预付费钱包余额（元）。
ChargeType.packageUnitsRemaining|预付费套餐剩余次数。
CheckFeedbackPayload|checkFeedback 的结果。
CheckFeedbackPayload.feedback|已记录的反馈；失败时为 null。
CheckFeedbackPayload.errors|反馈失败的原因。
CheckFinding|核查发现的一条有效记录及其出处。
CheckFinding.kind|发现的类型。
CheckFinding.label|发现的类型（中文）。
CheckFinding.docNumber|决定文书的文号。
CheckFinding.authority|作出决定的机关。
CheckFinding.date|决定日期。
CheckFinding.until|公示期的最后一天（在此之前有效）。
CheckFindingKind|核查发现的主体情况（来自有效记录）。
CheckFindingKind.SERIOUS_DISHONESTY|严重失信主体名单。
CheckFindingKind.MAJOR_TAX|重大税收违法失信主体。
CheckFindingKind.COURT_ENFORCEMENT|失信被执行人。
CheckFindingKind.ABNORMAL|经营异常名录。
CheckFindingKind.SERIOUS_PENALTY|严重行政处罚（公示期内）。
CheckFindingKind.PENALTY|行政处罚（公示期内）。
CheckFindingKind.COMMITMENT_BROKEN|信用承诺未履行。
CheckFindingKind.RED_LIST|守信激励对象（红名单）。
CheckMeasure|事项规则对核查发现所规定的一项措施。
CheckMeasure.code|措施代码，例如 CJ-05；在 checkFeedback 中引用。
CheckMeasure.name|措施名称（中文）。
CheckMeasure.kind|惩戒或激励。
CheckMeasure.legalBasis|措施的法律依据。
CheckMeasure.findings|该措施适用的发现（中文）。
CheckMeasureKind|联合惩戒措施或联合激励措施。
CheckMeasureKind.PUNISHMENT|失信惩戒措施。
CheckMeasureKind.INCENTIVE|守信激励措施。
CheckRowResult|名单中一行的核查结果。
CheckRowResult.position|在所提交名单中的行号，从 1 起。
CheckRowResult.given|读取到的代码或名称（身份证号码已脱敏）。
CheckRowResult.status|该行的处理结果。
CheckRowResult.statusLabel|处理结果（中文）。
CheckRowResult.reason|未核查的原因（中文；已核查时为空）。
CheckRowResult.subjectName|查到的主体名称；未查到时为 null。
CheckRowResult.findings|全部有效的发现。
CheckRowResult.measures|事项规则对这些发现规定的措施及其依据。
CheckRowStatus|名单中一行的处理结果。
CheckRowStatus.HIT|已核查，有发现。
CheckRowStatus.CLEAR|已核查，无发现。
CheckRowStatus.NOT_FOUND|未找到该主体。
CheckRowStatus.INVALID|代码或名称格式不正确。
CheckRowStatus.NOT_ALLOWED|该事项的依据不允许核查自然人。
CheckRowStatus.DUPLICATE|与名单中前面的某行重复。
CheckRowStatus.OVER_LIMIT|超过 1000 行的部分，未核查。
ConsentLodgeInput|主体为调用机构签署的授权书。
ConsentLodgeInput.subjectCode|主体的统一社会信用代码或身份证号码。
ConsentLodgeInput.purpose|授权用途，例如“贷款审查”。
ConsentLodgeInput.scope|授权范围。
ConsentLodgeInput.validFrom|授权起始日期。
ConsentLodgeInput.validUntil|授权截止日期。
ConsentLodgeInput.documentBase64|签署的授权书，PDF/PNG/JPG，不超过 5 MB，Base64 编码。
ConsentLodgePayload|consentLodge 的结果。
ConsentLodgePayload.consentId|授权书编号，购买时作为 consentId 传入。
ConsentLodgePayload.status|自然人的授权书在区县审核之前为 PENDING（待审核）。
ConsentLodgePayload.errors|提交失败的原因。
ConsentScope|授权书授权的内容。
ConsentScope.CREDIT_REPORT|信用报告。
ConsentScope.CREDIT_SCORE|信用评分。
ConsentState|已提交授权书的状态。
ConsentState.PENDING|待区县审核。
ConsentState.VERIFIED|已审核通过，可以使用。
ConsentState.REJECTED|审核未通过。
CreditCheckPayload|creditCheck 的结果。
CreditCheckPayload.check|核查及其结果；失败时为 null。
CreditCheckPayload.replayed|为真时，表示这是对使用相同 idempotencyKey 的先前核查的重复应答。
CreditCheckPayload.errors|核查失败的原因。
CreditCheckResult|一次信用核查及其逐行结果。
CreditCheckResult.number|核查编号，印在核查报告上。
CreditCheckResult.verificationCode|验证码：凭核查编号和验证码，任何人可在门户网站验证核查报告。
CreditCheckResult.matter|事项名称。
CreditCheckResult.checkedAt|核查时间。
CreditCheckResult.rowsTotal|名单中的非空行数。
CreditCheckResult.checkedTotal|已核查的主体数。
CreditCheckResult.hits|有发现的主体数。
CreditCheckResult.feedbackDue|有发现的主体的反馈截止日期（无发现时为 null）。
CreditCheckResult.rows|每个非空行一条结果。
CreditMatter|部门作出决定前须对主体进行信用核查的事项。
CreditMatter.id|事项编号，供 creditCheck 使用。
CreditMatter.name|事项名称。
CreditMatter.category|事项类别。
CreditMatter.categoryLabel|事项类别（中文），例如“财政资金补助”。
CreditMatter.legalBasis|核查依据：法律或文件及条款。
CreditMatter.personsAllowed|为真时，依据允许核查自然人（身份证号码）；否则这些行答复 NOT_ALLOWED。
CreditMatter.feedbackDays|有发现的核查之后，须在多少个工作日内反馈。
Date|日期（ISO 8601 格式，YYYY-MM-DD）。
DateTime|日期和时间（ISO 8601 格式，含时区）。
Decimal|十进制定点数，以字符串表示，例如 "12.50"。
DisciplineError|creditCheck 或 checkFeedback 整体调用的问题。
DisciplineError.code|机器可读的错误代码。
DisciplineError.message|错误说明（中文）。
DisciplineError.field|出错的参数。
DisciplineErrorCode|creditCheck 或 checkFeedback 失败的原因。
DisciplineErrorCode.UNAUTHENTICATED|未携带有效的部门密钥（Authorization: Bearer dk_…）。
DisciplineErrorCode.NOT_FOUND|未找到所指的事项或核查。
DisciplineErrorCode.INVALID|参数不合法，见 field 与 message。
DisciplineErrorCode.FOREIGN_MATTER|该事项不属于调用的部门。
DisciplineErrorCode.MATTER_INACTIVE|该事项已停用。
DisciplineErrorCode.IDEMPOTENCY_KEY_REUSED|幂等键已用于另一份不同的名单。
DisciplineErrorCode.FOREIGN_CHECK|该核查不是调用的部门做的。
DisciplineErrorCode.NOTHING_FOUND|该行没有发现，无需反馈。
DisciplineErrorCode.ALREADY_FED_BACK|该行已反馈过。
DistrictProfile|本区县的公开信息。
DistrictProfile.slug|区县标识。
DistrictProfile.name|区县名称，例如“万州区”。
DistrictProfile.regionCode|行政区划代码（GB/T 2260）。
DistrictProfile.status|运行状态。
DistrictProfile.theme|门户主题。
DistrictProfile.catalogueItemCount|启用的信息项数。
FeedbackOutcome|部门对核查发现的办理结果。
FeedbackOutcome.NOT_GRANTED|不予许可。
FeedbackOutcome.NO_SUBSIDY|不予补助。
FeedbackOutcome.RESTRICTED|限制参与。
FeedbackOutcome.STRICT_REVIEW|从严审查。
FeedbackOutcome.NOT_HIRED|不予录用（聘用）。
FeedbackOutcome.NO_HONOUR|取消评优评先资格。
FeedbackOutcome.PRIORITY|优先办理。
FeedbackOutcome.TOLERANT|容缺受理。
FeedbackOutcome.SIMPLIFIED|简化程序。
FeedbackOutcome.NORMAL|正常办理（未采取措施）。
FeedbackResult|对核查中一行记录的反馈。
FeedbackResult.checkNumber|核查编号。
FeedbackResult.position|所反馈的行号。
FeedbackResult.applied|是否采取了措施。
FeedbackResult.outcome|办理结果。
FeedbackResult.outcomeLabel|办理结果（中文）。
FeedbackResult.measures|所采取措施的代码。
FeedbackResult.late|为真时，表示在截止日期之后反馈。
FeedbackResult.at|反馈记录的时间。
InvoiceSummary|一个月的账单。
InvoiceSummary.number|账单编号。
InvoiceSummary.period|账期（当月第一天）。
InvoiceSummary.totalYuan|合计金额（元）。
InvoiceSummary.issuedAt|开具时间。
JSON|任意 JSON 值（ECMA-404）。
MatterCategory|事项所属的业务类别。
MatterCategory.LICENSING|行政许可。
MatterCategory.PROCUREMENT|政府采购。
MatterCategory.SUBSIDY|财政资金补助。
MatterCategory.HONOURS|评优评先。
MatterCategory.PUBLIC_RESOURCES|公共资源交易。
MatterCategory.RECRUITMENT|招录聘用。
MatterCategory.OTHER|其他。
MonitoredSubject|机构在本区县监测的主体（信用监测订阅）。
MonitoredSubject.code|统一社会信用代码。
MonitoredSubject.name|主体名称。
MonitoredSubject.since|此时刻之后的变动进入变动流。
MonitoredSubject.paidThrough|已付费的最后一个月的第一天。
MonitoringChange|被监测主体的记录发生了什么。
MonitoringChange.NEW|新增记录。
MonitoringChange.UPDATED|记录被更正。
MonitoringChange.WITHDRAWN|记录被撤销。
MonitoringChange.REPAIRED|信用修复完成。
MonitoringChange.EXPIRED|公示期届满。
MonitoringEventType|被监测主体信用记录的一次变动。
MonitoringEventType.cursor|作为 after 传入，可读取此后的变动。
MonitoringEventType.at|变动时间。
MonitoringEventType.change|变动类型。
MonitoringEventType.subjectCode|主体的统一社会信用代码。
MonitoringEventType.subjectName|主体名称。
MonitoringEventType.recordKind|记录类别，例如“行政处罚”“严重失信主体名单”等。
MonitoringEventType.title|记录摘要。
MonitoringEventType.docNumber|决定文书的文号。
MonitoringEventType.authority|作出决定的机关。
MonitoringEventType.decisionDate|决定日期。
MonitoringFeed|机构监测的主体，以及 after 之后的变动。
MonitoringFeed.subjects|监测中的主体。
MonitoringFeed.events|变动，按时间从早到晚。
MonitoringFeed.cursor|下次作为 after 传入；没有新变动时与上次相同。
MonitoringSubscribeInput|开始监测组织（信用监测订阅），按新增主体计费。
MonitoringSubscribeInput.subjectCodes|统一社会信用代码，1–100 个。
MonitoringSubscribeInput.idempotencyKey|幂等键：每个请求新生成，重试时保持不变。
MonitoringSubscribePayload|monitoringSubscribe 的结果。
MonitoringSubscribePayload.subscribed|新开始监测的主体，已计费。
MonitoringSubscribePayload.alreadyMonitored|已在监测中的主体，不计费。
MonitoringSubscribePayload.notFound|未找到的组织，不计费。
MonitoringSubscribePayload.charge|本次费用与余量。
MonitoringSubscribePayload.errors|订阅失败的原因。
MonitoringUnsubscribeInput|停止监测组织（已付费的当月不退费）。
MonitoringUnsubscribeInput.subjectCodes|要停止监测的统一社会信用代码。
MonitoringUnsubscribePayload|monitoringUnsubscribe 的结果。
MonitoringUnsubscribePayload.ended|已停止监测的代码。
MonitoringUnsubscribePayload.errors|退订失败的原因。
Mutation|写操作：购买、订阅、核查与报送。
Mutation.themeUpdate|修改门户主题（仅区县管理员）。
Mutation.themeUpdate(data:)|要修改的主题字段。
Mutation.recordsPush|部门系统报送记录（Authorization: Bearer dk_…）。
Mutation.recordsPush(data:)|报送的记录。
Mutation.reportPurchase|购买一份信用报告（机构，使用机构密钥）。按次计费。
Mutation.reportPurchase(data:)|购买请求。
Mutation.scorePurchase|购买组织的信用评分（机构）。按查到的组织计费。
Mutation.scorePurchase(data:)|购买请求。
Mutation.monitoringSubscribe|监测组织的信用记录。按主体计费。
Mutation.monitoringSubscribe(data:)|订阅请求。
Mutation.monitoringUnsubscribe|停止监测组织。免费。
Mutation.monitoringUnsubscribe(data:)|退订请求。
Mutation.consentLodge|提交主体签署的授权书，供之后购买使用。免费，但与购买一样校验（密钥范围、合同、频率限制）并记录日志。自然人的授权书须经区县审核（状态为 PENDING）后方可使用。
Mutation.consentLodge(data:)|授权书。
Mutation.creditCheck|信用核查：对调用部门的一个事项，核查至多 1000 个主体（统一社会信用代码；事项允许时可用身份证号码；或准确名称）（Authorization: Bearer dk_…）。每一行都有答复；每个被核查的主体都记入其查询日志。
Mutation.creditCheck(matter:)|事项编号（见 creditCheckMatters）。
Mutation.creditCheck(codes:)|名单，每行一个统一社会信用代码、身份证号码或准确名称（超过 1000 行的部分答复 OVER_LIMIT，不核查；超过 2000 行则拒绝）。
Mutation.creditCheck(idempotencyKey:)|幂等键，每次核查唯一（不超过 100 个字符）；以相同的键和名单重试时，答复第一次的核查。
Mutation.checkFeedback|反馈：部门对其核查中有发现的一行的办理结果（每行一次；再次调用答复 ALREADY_FED_BACK）。Authorization: Bearer dk_…。
Mutation.checkFeedback(checkNumber:)|核查编号。
Mutation.checkFeedback(position:)|核查中的行号，与答复一致。
Mutation.checkFeedback(applied:)|是否采取了措施。
Mutation.checkFeedback(outcome:)|办理结果。
Mutation.checkFeedback(measures:)|所采取措施的代码（取自该行的措施）。
Mutation.checkFeedback(note:)|备注；未采取措施时必填。
PageInfo|分页信息。
PageInfo.hasNextPage|向后翻页时，是否还有更多条目。
PageInfo.hasPreviousPage|向前翻页时，是否还有更多条目。
PageInfo.startCursor|向前翻页时，继续使用的游标。
PageInfo.endCursor|向后翻页时，继续使用的游标。
ProductUsage|一个产品本月至今的用量。
ProductUsage.product|产品代码。
ProductUsage.units|次数。
PurchasedReport|已出具的信用报告。
PurchasedReport.number|报告编号。
PurchasedReport.verificationCode|在线验证报告用的验证码。
PurchasedReport.issuedAt|出具时间。
PurchasedReport.content|报告内容（结构 credit-report/1.0）。
PurchasedReport.pdfUrl|报告 PDF 的短时有效链接。
PushKind|报送记录采用的全国字段集。
PushKind.PENALTY|行政处罚。
PushKind.LICENSE|行政许可。
PushKind.RECORD|其他信用记录。
PushedRecord|一条报送记录的处理结果。
PushedRecord.index|在报送列表中的位置，从 0 起。
PushedRecord.outcome|结果：stored（新增）、updated（更正）、duplicate（重复）或 rejected（拒收）。
PushedRecord.recordId|入库记录的编号。
PushedRecord.problems|拒收时的全部原因。
PushedRecord.derived|记录未携带、由平台补全的字段（例如由代码推出的 XDR_LB，由报送部门得出的 SJLY/SJLYDM）；记录上有相应标记。
Query|查询：区县信息、信息目录、主体、账户、信用监测与核查事项。
Query.district|本区县的公开信息与主题（一条 SQL 语句）。
Query.catalogCategories|本区县的信息目录，按类别。
Query.catalogCategories(before:)|返回此游标之前的条目。
Query.catalogCategories(after:)|返回此游标之后的条目。
Query.catalogCategories(first:)|返回前 n 条（至多 100）。
Query.catalogCategories(last:)|返回后 n 条（至多 100）。
Query.subject|按统一社会信用代码查询主体及其记录。公众只能看到组织及其可公示的记录；已登录的工作人员可看到全部记录，并可按身份证号码查询。
Query.subject(code:)|统一社会信用代码（工作人员也可用身份证号码）。
Query.viewer|已登录的工作人员；未登录时为 null。
Query.billingAccount|调用机构在本区县的合同：上限、本月用量、余额与账单。
Query.monitoring|信用监测：机构在本区县监测的主体，以及 after 之后其记录的变动（从早到晚，至多 first 条，不超过 500）。免费：订阅按主体和月份计费。
Query.monitoring(after:)|上次答复的 cursor；首次读取时为空字符串。
Query.monitoring(first:)|本次至多返回的变动条数（不超过 500）。
Query.creditCheckMatters|调用部门可用于 creditCheck 的有效事项（Authorization: Bearer dk_…）。
Record|一条信用记录，含公示期与状态。
Record.id|记录在本区县内的编号。
Record.kind|记录类别：license、penalty、red_list、black_list 等。
Record.kindLabel|记录类别（中文），例如“行政处罚”。
Record.docNumber|决定文书的文号（WSH）。
Record.decisionDate|决定日期。
Record.title|摘要：类别与内容。
Record.authorityName|作出决定的机关。
Record.state|状态：published、disputed、withdrawn、repaired、expired、not_published。
Record.stateLabel|状态（中文），例如“公示中”。
Record.publicityStart|公示起始日。
Record.publicityEnd|公示截止日。
Record.repairFrom|可申请信用修复的首日。
Record.fineWan|罚款金额（万元），有罚款时给出。
RecordProblem|报送记录某一字段的问题。
RecordProblem.field|字段代码，例如 CF_JDRQ。
RecordProblem.label|字段名称（中文）。
RecordProblem.value|报送的值。
RecordProblem.message|问题说明（中文）。
RecordsPushError|报送整体的问题。
RecordsPushError.code|机器可读的错误代码。
RecordsPushError.message|错误说明（中文）。
RecordsPushError.field|出错的输入字段。
RecordsPushError.unknownFields|错误代码为 UNKNOWN_FIELDS 时：不对应任何全国字段的键（此类报送不入库任何记录）。
RecordsPushErrorCode|recordsPush 整体失败的原因。
RecordsPushErrorCode.INVALID|输入不合法，见 field 与 message。
RecordsPushErrorCode.IDEMPOTENCY_KEY_REUSED|幂等键已用于另一次内容不同的报送。
RecordsPushErrorCode.UNKNOWN_FIELDS|记录中有不对应全国字段的键，见 unknownFields。
RecordsPushInput|部门系统报送的记录。
RecordsPushInput.idempotencyKey|幂等键，每次报送唯一；以相同的键重试时，答复第一次报送的结果。
RecordsPushInput.kind|本次所有记录采用的字段集。
RecordsPushInput.records|1–1000 条记录，每条是全国字段代码（CF_WSH 或 WSH 等）到值的对象。
RecordsPushPayload|recordsPush 的结果。
RecordsPushPayload.results|每条报送记录一个结果，顺序与报送一致。
RecordsPushPayload.stored|新增的记录数。
RecordsPushPayload.updated|更正的记录数。
RecordsPushPayload.duplicate|已存在且未变的记录数。
RecordsPushPayload.rejected|拒收的记录数（附原因）。
RecordsPushPayload.replayed|为真时，表示这是对使用相同幂等键的先前报送的重复应答。
RecordsPushPayload.errors|报送整体的问题。
ReportProduct|向机构销售的报告产品。
ReportProduct.BASIC_REPORT|基础版信用报告（公开信息）。
ReportProduct.FULL_REPORT|完整版信用报告（须授权）。
ReportPurchaseInput|购买一份信用报告。
ReportPurchaseInput.product|基础版（公开信息）或完整版。
ReportPurchaseInput.subjectCode|统一社会信用代码或 18 位身份证号码。
ReportPurchaseInput.purpose|用途，与授权书一致（例如“贷款审查”）。
ReportPurchaseInput.idempotencyKey|幂等键，8–64 个字符，每次购买新生成，重试时保持不变。
ReportPurchaseInput.consentId|用 consentLodge 提交的授权书编号：自然人和完整版报告必填。
ReportPurchasePayload|reportPurchase 的结果。
ReportPurchasePayload.report|出具的报告；失败时为 null。
ReportPurchasePayload.charge|本次费用与余量。
ReportPurchasePayload.errors|购买失败的原因。
ScorePurchaseInput|购买一个组织的当前信用评分（评分查询）或 2–100 个组织的评分（批量）。
ScorePurchaseInput.subjectCodes|统一社会信用代码，1–100 个。
ScorePurchaseInput.purpose|用途（例如“授信审查”）。
ScorePurchaseInput.idempotencyKey|幂等键：每次购买新生成，重试时保持不变。
ScorePurchasePayload|scorePurchase 的结果。
ScorePurchasePayload.scores|查到的评分。
ScorePurchasePayload.notFound|未找到组织、不计费的代码。
ScorePurchasePayload.charge|本次费用与余量。
ScorePurchasePayload.errors|购买失败的原因。
ScoreResult|主体的当前评分。
ScoreResult.code|统一社会信用代码。
ScoreResult.name|主体名称。
ScoreResult.score|评分，0–1000；尚未评分时为 null。
ScoreResult.grade|等级：A、B、C 或 D。
ScoreResult.scoredOn|评分基准日，格式 YYYY-MM-DD。
Subject|信用主体及其记录。
Subject.name|当前名称。
Subject.kind|主体类别：legal、individual 或 natural。
Subject.kindLabel|行政相对人类别（中文）。
Subject.code|统一社会信用代码，或脱敏的身份证号码。
Subject.records|记录，最新的在前。
Theme|区县门户的外观。
Theme.platformName|平台名称，例如“信用万州”。
Theme.primaryColour|主色，格式 #RRGGBB。
Theme.accentColour|强调色，格式 #RRGGBB。
Theme.bannerText|页头下方的标语。
Theme.footerText|页脚文字。
Theme.icpNumber|ICP 备案号。
Theme.contactPhone|联系电话。
Theme.contactEmail|联系邮箱。
Theme.contactAddress|联系地址。
ThemeError|修改主题时的问题。
ThemeError.code|机器可读的错误代码。
ThemeError.message|错误说明（中文）。
ThemeError.field|出错的输入字段（如有）。
ThemeErrorCode|themeUpdate 失败的原因。
ThemeErrorCode.INVALID|输入不合法，见 field 与 message。
ThemeErrorCode.FORBIDDEN|仅区县管理员可修改主题。
ThemeErrorCode.NOT_FOUND|未找到本区县的主题。
ThemeUpdateInput|要修改的主题字段；未给出的字段保持不变。
ThemeUpdateInput.platformName|平台名称。
ThemeUpdateInput.primaryColour|主色，格式 #RRGGBB。
ThemeUpdateInput.accentColour|强调色，格式 #RRGGBB。
ThemeUpdateInput.bannerText|标语。
ThemeUpdateInput.footerText|页脚文字。
ThemeUpdateInput.icpNumber|ICP 备案号。
ThemeUpdateInput.contactPhone|联系电话。
ThemeUpdateInput.contactEmail|联系邮箱。
ThemeUpdateInput.contactAddress|联系地址。
ThemeUpdatePayload|themeUpdate 的结果。
ThemeUpdatePayload.theme|修改后的主题。
ThemeUpdatePayload.errors|成功时为空。
Viewer|已登录的工作人员。
Viewer.email|登录邮箱。
Viewer.fullName|姓名。
Viewer.role|区县角色（运营方工作人员为空）。
Viewer.isOperator|是否为运营方工作人员（公共模式）。
"""

DESCRIPTIONS: dict[str, str] = dict(
    line.split("|", 1) for line in _TABLE.strip().splitlines() if line.strip()
)


def coordinates(schema: GraphQLSchema) -> dict[str, object]:
    """Every describable element of the schema by coordinate: named types (but the built-in
    scalars and introspection types), fields, arguments, input fields and enum values."""
    found: dict[str, object] = {}
    for name, named in schema.type_map.items():
        if name.startswith("__") or name in ("String", "Int", "Float", "Boolean", "ID"):
            continue
        found[name] = named
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in named.fields.items():
                found[f"{name}.{field_name}"] = field
                for arg_name, arg in field.args.items():
                    found[f"{name}.{field_name}({arg_name}:)"] = arg
        elif isinstance(named, GraphQLInputObjectType):
            for field_name, input_field in named.fields.items():
                found[f"{name}.{field_name}"] = input_field
        elif isinstance(named, GraphQLEnumType):
            for value_name, value in named.values.items():
                found[f"{name}.{value_name}"] = value
    return found


def apply(schema: GraphQLSchema) -> None:
    """Set the Chinese descriptions on the built graphql-core schema (what the SDL printer and
    introspection read)."""
    for coordinate, element in coordinates(schema).items():
        text = DESCRIPTIONS.get(coordinate)
        if text is not None:
            element.description = text  # type: ignore[attr-defined]
