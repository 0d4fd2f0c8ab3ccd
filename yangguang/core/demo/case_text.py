"""What the demo's residents complain about, and what the handlers answer: about fifty case templates.

Each template is one kind of problem as residents of a Changsha community would put it, with the place
filled in (`{place}` the compound, or 梅溪村三组 in a village; `{b}` the building, `{u}` the unit, `{r}` the
room, `{road}` the road, `{floor}` a floor, `{shop}` a restaurant, `{n}` a small number in Chinese
numerals) and the handler's reply. The problems come from the seeds and from published 12345 hot-line
digests: 楼道堆物, 噪音扰民, 路灯不亮, 下水道堵塞, 电梯故障, 违章停车, vegetable sellers in the courtyard at
dawn, a gas pipe moved outdoors that nobody looks after, water cut off for someone else's arrears, late
refuse collection, stray dogs, a flower bed dug up for vegetables, questions about 低保, integrity reports …

`where` says what the case is attached to: "building" (the case has the building, its grid is the area),
"compound" (the compound, the community is the area), "road" (no compound: the road is the location) or
"person" (a question about the reporter's own affairs: no place at all).
"""

from __future__ import annotations

from dataclasses import dataclass

from yangguang.core.models import CaseKind, Channel, CompoundKind

_C, _A, _O, _U = CompoundKind.COMMERCIAL, CompoundKind.AFFORDABLE, CompoundKind.OLD, CompoundKind.UNMANAGED
MANAGED = frozenset({_C, _A})
OLDER = frozenset({_O, _U})


@dataclass(frozen=True)
class CaseTemplate:
    """One kind of problem: its category, type, where it happens, how it is reported and answered."""

    code: str
    category: str  # CaseCategory.code (seeded by migration 0003)
    kind: str
    weight: int
    where: str  # "building", "compound", "road" or "person"
    title: str
    descriptions: tuple[str, ...]
    replies: tuple[str, ...]
    compound_kinds: frozenset[str] | None = None  # where it can happen (None: any compound)
    village: bool | None = None  # True: villages only; False: urban communities only
    urgent: float = 0.0  # share reported as urgent
    min_floors: int = 0  # only buildings this tall (lifts)
    confidential: float = 0.03  # share whose reporter asks for confidentiality
    channels: tuple[tuple[str, int], ...] | None = None  # (channel, weight); None: CHANNELS


# How cases come in (weights): residents mostly use the portal, a compound's QR poster and the hot-line;
# grid workers report what they see on patrol.
CHANNELS: tuple[tuple[str, int], ...] = (
    (Channel.PORTAL, 28),
    (Channel.QR, 14),
    (Channel.HOTLINE, 24),
    (Channel.WALK_IN, 10),
    (Channel.GRID_PATROL, 18),
    (Channel.LIAISON, 1),
    (Channel.OPEN311, 1),
)
# Questions about one's own affairs come by phone or in person.
PERSONAL_CHANNELS = ((Channel.HOTLINE, 40), (Channel.WALK_IN, 35), (Channel.PORTAL, 25))
# Integrity reports often come through the 廉情联络员.
INTEGRITY_CHANNELS = (
    (Channel.LIAISON, 35),
    (Channel.PORTAL, 30),
    (Channel.HOTLINE, 20),
    (Channel.WALK_IN, 15),
)

T = CaseTemplate
TEMPLATES: tuple[CaseTemplate, ...] = (
    # --- 物业管理 (no routing rule: the intake office dispatches to the property company or the grid team)
    T("corridor_clutter", "property", CaseKind.COMPLAINT, 6, "building", "{b}{u}楼道堆放杂物",
      ("{place}{b}{u}楼道里堆满了纸箱、旧家具和坛坛罐罐，有的住户还把电动车推进楼道，过道只剩一人宽。万一着火根本"
       "跑不出去，跟邻居说过几次都没用，请社区和物业督促清理。",
       "{b}{u}一楼到三楼的楼梯间被杂物占了一半，还有人在楼道里堆了{n}袋废品准备卖，夏天有味道还招老鼠，"
       "老人上下楼很不方便。"),
      ("已会同物业逐户上门劝导，楼道杂物已全部清理，对拒不清理的住户下发了整改通知，后续纳入网格员日常巡查。",
       "已组织楼栋长和物业清理楼道杂物共{n}车，张贴了消防安全告知书，每周巡查一次防止反弹。"),
      village=False),
    T("lift_broken", "property", CaseKind.HELP, 4, "building", "{b}{u}电梯故障停运",
      ("{place}{b}{u}的电梯从前天起就停了，贴了张“维修中”就没人管了。楼里住了不少老人，我家在{floor}楼，"
       "老人腿脚不好，已经两天没下楼了，请尽快维修。",
       "{b}{u}电梯经常运行中突然停住，昨天晚上又困了人，等了四十多分钟才有人来。这台电梯用了十几年，物业说"
       "要业主出钱大修，到底该谁管？"),
      ("维保单位已更换主板和门机，电梯已恢复运行并经检验合格；物业已公布维保记录，大修费用按程序从专项维修"
       "资金列支并在小区公示。",
       "已协调物业和维保公司到场抢修，故障系门锁回路接触不良，已更换部件；已督促物业加密巡检，每月公布维保情况。"),
      compound_kinds=MANAGED, urgent=0.3, min_floors=7),
    T("fee_rise", "property", CaseKind.COMPLAINT, 2, "compound", "{place}物业费上调未公示",
      ("{place}物业通知从下个月起物业费每平米涨{n}毛，没有开业主大会，也没有公示收支情况。服务越来越差，门岗"
       "经常没人，凭什么涨价？请社区介入。",
       "物业把小区公共区域的广告费和停车费收入从来不公开，现在又要涨物业费，希望社区监督物业公开账目。"),
      ("社区已约谈物业公司，涨价方案暂缓执行；物业将在小区公告栏和业主群公示上一年度公共收益收支明细，调价须"
       "依法经业主共同决定。",
       "已召集业委会、物业和业主代表召开协商会，物业同意公示公共收益账目，调价事项提交业主大会表决。"),
      compound_kinds=frozenset({_C})),
    T("gate_broken", "property", CaseKind.HELP, 2, "compound", "{place}门禁损坏外人随意进出",
      ("{place}东门的门禁坏了一个多月，大门一直敞开，外来人员和车辆随意进出，最近楼里有两户的电动车电瓶被偷了。",),
      ("物业已更换门禁控制器并恢复人脸识别，东门增加了夜间值守，被盗情况已报派出所。",),
      compound_kinds=MANAGED),
    T("roof_leak", "property", CaseKind.HELP, 2, "building", "{b}顶楼漏水",
      ("我家住{place}{b}{u}顶楼，一下雨天花板就往下滴水，墙皮都泡掉了，找物业说屋面防水要动用维修资金，拖了"
       "半年没有结果。",),
      ("已启动专项维修资金应急使用程序，屋面防水已重新施工，经住户确认不再渗漏。",
       "已协调物业先行对屋面裂缝进行防水处理，雨后回访住户家中已无渗漏。"),
      village=False),
    T("door_lock", "property", CaseKind.HELP, 1, "building", "{b}{u}单元门锁坏了关不上",
      ("{b}{u}的单元门锁坏了，门一直关不上，晚上经常有陌生人进楼发小广告，老人独自在家很害怕。",),
      ("物业已更换单元门电控锁，并给住户补办了门禁卡。",),
      village=False),
    T("stair_lights", "property", CaseKind.HELP, 2, "building", "{b}{u}楼道声控灯不亮",
      ("{b}{u}楼道的声控灯坏了很久，晚上上下楼漆黑一片，前几天楼上的老人摸黑下楼摔了一跤。",
       "{place}{b}从二楼到六楼的楼道灯全不亮，跟物业说了好几次都说没有配件。"),
      ("已更换{b}{u}楼道声控灯{n}盏，物业已将楼道照明纳入每周巡检。",),
      village=False),
    # --- 环境卫生 (→ the community's sanitation team)
    T("refuse_late", "sanitation", CaseKind.HELP, 6, "compound", "{place}垃圾清运不及时",
      ("{place}的垃圾桶已经满了{n}天没人清运，垃圾堆到桶外面，天气热味道很大，还有很多苍蝇。",
       "小区西门的垃圾站每天要到中午才清运，早上满地都是垃圾袋，流浪猫狗翻得到处都是。"),
      ("已协调环卫作业公司增加清运频次，{place}的垃圾改为每日早晚两次清运，并对垃圾站进行了冲洗消杀。",
       "环卫组已当日清运积存垃圾，增设了两个垃圾桶，今后每天上午九点前完成清运。"),
      village=False),
    T("sewer_blocked", "sanitation", CaseKind.HELP, 4, "building", "{b}下水道堵塞污水外溢",
      ("{place}{b}{u}的下水道堵了，一楼住户卫生间往上冒污水，楼前的化粪池也满了，臭气熏天，请尽快派人疏通。",
       "{b}楼后的排污管堵塞，污水漫到路面上，孩子上学要从污水里走过去。"),
      ("已联系管道疏通单位用高压车疏通主管道，化粪池已清掏，路面已冲洗消毒。",
       "经查系排污管被建筑垃圾堵塞，已疏通并更换破损管段，一楼住户家中已恢复正常。"),
      urgent=0.25, village=False),
    T("flyers", "sanitation", CaseKind.COMPLAINT, 2, "building", "{b}楼道小广告乱贴",
      ("{b}{u}楼道墙上、电梯里贴满了开锁、通下水道的小广告，刚刷的墙又被贴花了。",),
      ("已组织志愿者清理楼道小广告，小广告上的号码已移交城管部门处理。",),
      village=False),
    T("public_toilet", "sanitation", CaseKind.COMPLAINT, 1, "road", "{road}公厕卫生差",
      ("{road}边上的公共厕所好几天没人打扫，水箱也坏了，附近居民和摆摊的都用这个厕所。",),
      ("已督促保洁人员每日两次保洁，水箱已维修。",)),
    T("village_refuse", "sanitation", CaseKind.HELP, 3, "compound", "{place}垃圾池长期未清理",
      ("{place}路口的垃圾池快一个月没人来拉了，垃圾都倒在路边，下雨后污水流进旁边的水塘。",),
      ("镇环卫站已清运积存垃圾，村保洁员每周清运两次，垃圾池已改为密闭垃圾箱。",),
      village=True),
    # --- 绿化养护 (→ the community's sanitation team)
    T("lawn_dug_up", "greening", CaseKind.COMPLAINT, 3, "compound", "{place}绿化带被毁种菜",
      ("{place}前面的绿化带被几户居民挖掉种了菜，还用竹竿围起来，浇的是粪水，夏天臭得开不了窗。",
       "有人把小区中心花园的草坪铲了铺水泥停车，绿化越来越少。"),
      ("已上门做通种菜住户的工作，菜地已清除，环卫组已补种草皮和灌木。",
       "经核实为个别住户私自毁绿，已责令恢复原状，补种工作已完成。"),
      village=False),
    T("tree_branches", "greening", CaseKind.HELP, 2, "building", "{b}旁树木遮挡采光",
      ("{place}{b}旁边的香樟树长得比五楼还高，树枝伸到窗户里，家里白天都要开灯，树枝还碰到电线，刮风时很危险。",),
      ("已联系园林部门对{b}旁的树木进行修剪，搭在电线上的枝条已清除。",),
      village=False),
    T("weeds", "greening", CaseKind.HELP, 1, "compound", "{place}杂草丛生蚊虫多",
      ("{place}后面的空地杂草长到一人高，蚊子特别多，晚上还有蛇出没。",),
      ("环卫组已清除杂草并进行了灭蚊消杀。",)),
    # --- 公共设施 (→ the street's municipal maintenance station)
    T("street_lights", "facilities", CaseKind.HELP, 4, "road", "{road}路灯不亮",
      ("{road}从{place}门口往东一段的路灯已经一个多星期不亮了，晚上黑漆漆的，下晚班回来心里发毛。",
       "{road}有{n}盏路灯坏了，有一根灯杆还歪了，怕倒下来砸到人。"),
      ("市政维护站已更换{road}损坏的路灯灯头{n}个，灯杆已扶正加固，现已恢复照明。",
       "经查系线路老化短路，已重新敷设电缆，路灯恢复正常。")),
    T("manhole", "facilities", CaseKind.HELP, 2, "road", "{road}窨井盖缺失",
      ("{road}靠近{place}路口的窨井盖不见了，只用一根树枝插着做记号，晚上很容易掉下去，请马上处理。",),
      ("已当日设置围挡，补装了防坠网和新井盖。",),
      urgent=0.5),
    T("fitness_broken", "facilities", CaseKind.HELP, 1, "compound", "{place}健身器材损坏",
      ("{place}广场的健身器材有两件坏了，扶手断了还露出钢筋，小孩子在上面玩很危险。",),
      ("已拆除损坏器材，新器材已安装到位。",)),
    T("sidewalk", "facilities", CaseKind.HELP, 1, "road", "{road}人行道地砖破损",
      ("{road}人行道的地砖翘起来好多块，下雨天一踩就溅一身泥水，已经有老人被绊倒了。",),
      ("已对破损地砖进行更换，并检查了周边路段。",),
      village=False),
    T("charging_shed", "facilities", CaseKind.SUGGESTION, 2, "compound", "建议{place}增设电动车充电棚",
      ("{place}有好几百辆电动车，没有一个集中充电的地方，大家只能飞线充电或者推回家充，很不安全。建议在小区"
       "空地建充电棚。",),
      ("社区已会同物业选址，在{place}{b}旁建设集中充电棚，可同时为{n}十辆电动车充电，预计下月投入使用。",),
      village=False),
    # --- 停车管理 (→ the street's urban management squad)
    T("fire_lane", "parking", CaseKind.COMPLAINT, 3, "compound", "{place}消防通道被车辆堵塞",
      ("{place}{b}前面的消防通道每天晚上都停满了车，上次有老人发病，救护车都开不进来，请相关部门管一管。",),
      ("城管中队已对占用消防通道的车辆贴单告知，物业已施划禁停标线并安装隔离桩。",),
      village=False),
    T("outside_cars", "parking", CaseKind.COMPLAINT, 2, "compound", "外来车辆长期占用{place}车位",
      ("{place}的车位被外来车辆长期占用，有的车停了半年都没动过，业主自己回来没地方停。",),
      ("物业已逐一联系长期停放车辆的车主，启用了车辆识别道闸，外来车辆按临时停车管理。",),
      compound_kinds=MANAGED),
    T("illegal_parking", "parking", CaseKind.COMPLAINT, 3, "road", "{road}违章停车",
      ("{road}两边停满了车，早晚高峰公交车都过不去，{place}门口经常堵死。",
       "有人长期把货车停在{road}人行道上，行人只能走机动车道。"),
      ("城管中队已在{road}开展违停整治，施划了停车泊位，并安排早晚高峰巡查。",),
      village=False),
    # --- 治安秩序 (→ the street's urban management squad)
    T("morning_market", "public_order", CaseKind.COMPLAINT, 4, "compound", "{place}院子里早上摆摊卖菜",
      ("每天早上五点多就有人在{place}院子里摆摊卖菜，吆喝声、喇叭声吵得人睡不着，走后满地菜叶子也没人打扫。",
       "{place}中庭每天清早有附近村民来卖菜，三轮车把路都堵了，老人孩子出门都要绕着走。"),
      ("经社区、物业和摊贩协商，早市已迁到北门外的临时疏导点，营业时间调整到七点以后，院内不再设摊。",
       "城管中队已劝离院内摊贩，并在附近市场为其协调了摊位，物业加强早间巡查。"),
      village=False),
    T("square_dance", "public_order", CaseKind.COMPLAINT, 3, "compound", "{place}广场舞噪音扰民",
      ("{place}广场每晚七点到十点跳广场舞，音响开得特别大，家里孩子要中考，关上窗户都听得见。",),
      ("已与广场舞队协商，音响音量控制在规定范围内，结束时间提前到晚上九点。",),
      village=False),
    T("stray_dogs", "public_order", CaseKind.HELP, 3, "compound", "{place}流浪狗伤人隐患",
      ("{place}附近有一群流浪狗，七八条，晚上追着电动车跑，前天还把一个小孩吓哭了，担心咬人。",
       "有住户在{b}楼下长期投喂流浪狗，狗越来越多，到处是狗屎。"),
      ("已联系犬类收容机构捕捉流浪犬{n}只，并劝导投喂的住户文明喂养。",)),
    T("crowded_rental", "public_order", CaseKind.REPORT, 1, "building", "{b}{u}群租房安全隐患",
      ("{place}{b}{u}{r}被二房东隔成了七八间出租，住了十几个人，楼道里堆满鞋子和电动车，晚上进进出出很吵，"
       "担心消防安全。",),
      ("已会同派出所、消防对该房屋进行检查，责令房东拆除违规隔断，租住人员已完成流动人口登记。",),
      compound_kinds=MANAGED),
    # --- 环境保护 (→ the street's environment office)
    T("night_works", "environment", CaseKind.COMPLAINT, 2, "road", "{road}工地夜间施工噪音",
      ("{road}的工地每天晚上十一点以后还在打桩，轰隆隆的吵得根本睡不着，问了说是赶工期。",),
      ("经查该工地未办理夜间施工许可，已责令停止夜间施工，并对施工单位立案调查。",)),
    T("kitchen_fumes", "environment", CaseKind.COMPLAINT, 2, "building", "{b}底商油烟扰民",
      ("{place}{b}楼下的{shop}油烟直接往楼上排，我家在{floor}楼，窗户不敢开，衣服也晾不了。",),
      ("已责令{shop}安装油烟净化器并改造排烟管道，复查时已达标排放。",),
      village=False),
    T("barbecue", "environment", CaseKind.COMPLAINT, 1, "road", "{road}露天烧烤油烟",
      ("{road}的夜宵摊露天烧烤一直开到凌晨两三点，油烟和划拳声让附近住户无法休息。",),
      ("城管中队已对露天烧烤进行劝导，摊主已进店经营并安装了油烟净化设备。",),
      village=False),
    T("pond_pollution", "environment", CaseKind.COMPLAINT, 1, "compound", "{place}水塘被养殖污水污染",
      ("{place}旁边的养猪场把粪水直接排进水塘，水都变黑了，鱼也死了，夏天臭味很大。",),
      ("生态环境办已责令养殖户停止直排，限期建设沼气池和储粪池。",),
      village=True),
    # --- 救助帮扶 (→ the community's service station)
    T("dibao_question", "welfare", CaseKind.INQUIRY, 3, "person", "低保申请咨询",
      ("我丈夫去年中风瘫痪，家里就靠我打零工，想问问能不能申请低保，需要准备哪些材料，去哪里办？",
       "家里老人没有退休金，我也下岗了，想了解低保的申请条件和收入标准。"),
      ("已电话答复：低保以家庭为单位申请，需提供户口簿、身份证、收入证明和家庭财产情况，在社区综合服务站提交，"
       "经入户调查、民主评议和公示后由民政部门审批；已预约上门指导。",
       "工作人员已上门讲解低保政策，协助填写申请表并签署家庭经济状况核对授权书，申请已受理。"),
      channels=PERSONAL_CHANNELS),
    T("old_age_allowance", "welfare", CaseKind.INQUIRY, 2, "person", "高龄津贴怎么领",
      ("我父亲今年满八十岁了，听说有高龄津贴，请问到哪里办，要带什么材料？",),
      ("已答复：年满80周岁的户籍老人可申领高龄津贴，带身份证、户口簿和银行卡到社区综合服务站办理，次月起发放。",),
      channels=PERSONAL_CHANNELS),
    T("disability_allowance", "welfare", CaseKind.INQUIRY, 1, "person", "残疾人两项补贴咨询",
      ("我儿子有智力残疾证，二级，请问能不能领残疾人生活补贴和护理补贴？",),
      ("已答复：持证的一、二级重度残疾人可申领护理补贴，低保家庭中的残疾人可申领生活补贴，已协助在线提交申请。",),
      channels=PERSONAL_CHANNELS),
    T("elderly_alone", "welfare", CaseKind.HELP, 2, "building", "{b}独居老人无人照看",
      ("{place}{b}{u}住着一位八十多岁的独居老人，子女在外地，最近几天没见他下楼，敲门也没人应，请社区去看看。",),
      ("网格员和社区工作人员已上门探视，老人因感冒卧床，已送医并联系了子女，老人已纳入每日探访名单。",),
      urgent=0.3),
    T("emergency_relief", "welfare", CaseKind.HELP, 1, "person", "申请临时救助",
      ("家里突发火灾，东西都烧没了，暂时住在亲戚家，想申请临时救助。",),
      ("已受理临时救助申请，经核实后发放了临时救助金，并协调爱心企业捐赠了生活用品。",),
      channels=PERSONAL_CHANNELS),
    T("elderly_canteen", "welfare", CaseKind.SUGGESTION, 1, "compound", "建议{place}开设老年食堂",
      ("{place}老年人多，很多独居老人自己做饭不方便，建议社区开一个老年食堂或者助餐点。",),
      ("社区已与辖区餐饮企业合作，在{place}设立长者助餐点，工作日提供午餐，六十岁以上老人享受优惠。",),
      village=False),
    # --- 廉情反映 (→ the street's discipline committee)
    T("dibao_unfair", "integrity", CaseKind.REPORT, 1, "person", "低保评议不公开",
      ("听说我们这里有人开着小车、在城里买了房还在吃低保，评议的时候也没有张榜公示，怀疑有人优亲厚友。",),
      ("街道纪工委已会同民政部门对反映对象逐户核查，对不符合条件的{n}户已停发低保，评议和公示程序已整改。",),
      confidential=0.7, channels=INTEGRITY_CHANNELS),
    T("shoddy_renovation", "integrity", CaseKind.REPORT, 1, "compound", "{place}改造工程质量差",
      ("{place}老旧小区改造刚完工半年，外墙涂料就大面积脱落，新铺的路面也开裂了，怀疑施工方偷工减料，验收有问题。",),
      ("已组织第三方检测，施工单位已按合同返工维修，工程尾款暂缓支付，相关验收人员已被约谈。",),
      compound_kinds=OLDER, village=False, confidential=0.4, channels=INTEGRITY_CHANNELS),
    T("land_rent", "integrity", CaseKind.REPORT, 1, "person", "村集体土地租金收支不公开",
      ("村里的集体土地租给老板搞养殖好几年了，租金收了多少、用到哪里去了从来没有公开过，村民都有意见。",),
      ("镇纪委已督促村委会在村务公开栏公开近三年集体土地租金收支明细，村务监督委员会已逐项审核。",),
      village=True, confidential=0.5, channels=INTEGRITY_CHANNELS),
    T("petty_bribes", "integrity", CaseKind.REPORT, 1, "person", "反映社区干部吃拿卡要",
      ("去社区开证明，工作人员说要先请吃饭才好办，还暗示要给点好处，希望组织调查。",),
      ("街道纪工委已开展调查，对相关工作人员进行了诫勉谈话，社区已公开办事流程和监督电话。",),
      confidential=0.9, channels=INTEGRITY_CHANNELS),
    # --- 矛盾纠纷 (→ the community's mediation committee)
    T("leak_dispute", "disputes", CaseKind.HELP, 3, "building", "{b}{u}楼上漏水邻里纠纷",
      ("楼上住户卫生间漏水，我家{r}的天花板都发霉了，找了楼上好几次都不开门，物业也不管，请社区帮忙调解。",),
      ("人民调解委员会已组织双方调解，楼上住户同意重做防水并赔偿维修费用，已签订调解协议。",),
      village=False),
    T("noise_dispute", "disputes", CaseKind.HELP, 2, "building", "{b}楼上噪音纠纷",
      ("楼上住户每天半夜拖椅子、小孩跑跳，我们上去沟通反而被骂，已经影响到正常生活。",),
      ("调解员已分别上门沟通，楼上住户同意铺设地垫并注意作息，双方已和解。",),
      village=False),
    T("homestead_line", "disputes", CaseKind.HELP, 1, "compound", "{place}宅基地界址纠纷",
      ("{place}的邻居建房把围墙往我家这边多砌了一米多，双方争执不下，请村里出面调解。",),
      ("村调委会已会同镇自然资源所现场勘测，依据确权登记资料确定了界址，邻居已拆除越界的围墙。",),
      village=True),
    # --- 安全隐患 (→ the street's emergency management office)
    T("gas_pipe", "safety", CaseKind.REPORT, 3, "building", "{place}燃气管道改到室外没人管",
      ("{place}的燃气管道改造后都移到了外墙上，很多地方没有固定，有的还从窗户旁边穿过，时间长了锈得厉害，燃气"
       "公司和物业都说不归自己管。",),
      ("已会同燃气公司对{place}的室外燃气管道进行排查，加装了管卡和防护套管，明确由燃气公司负责日常巡检。",),
      compound_kinds=OLDER, village=False),
    T("flying_cables", "safety", CaseKind.REPORT, 3, "building", "{b}电动车飞线充电",
      ("{place}{b}有住户从{floor}楼窗户拉电线下来给电动车充电，整夜充，电线就挂在一楼窗边，太危险了。",),
      ("网格员已上门劝导拆除飞线，物业在{b}旁设置了集中充电点，已纳入日常巡查。",),
      village=False),
    T("dry_hydrant", "safety", CaseKind.REPORT, 1, "compound", "{place}消防栓没有水",
      ("{place}的消防栓拧开没有水，灭火器也过期好几年了，真出事怎么办？",),
      ("已督促物业对消防设施进行全面检修，更换过期灭火器{n}十具，消防栓已恢复供水。",),
      village=False),
    T("cracked_wall", "safety", CaseKind.REPORT, 1, "building", "{b}墙体开裂",
      ("{place}{b}是八十年代的老房子，最近外墙裂缝越来越大，楼梯间也有裂纹，下雨时往里渗水，担心房子出问题。",),
      ("已委托房屋安全鉴定机构进行鉴定，结论为局部危险，已设置警示标志并组织加固，{b}已纳入老旧小区改造计划。",),
      compound_kinds=OLDER, urgent=0.4),
    # --- 其他 (no routing rule)
    T("water_cut", "other", CaseKind.HELP, 2, "building", "{place}欠费停水",
      ("因为原单位拖欠水费，自来水公司把{place}{b}的水停了三天，家里老人孩子没水用，我们每户的水费都是按时交的。",),
      ("社区已协调自来水公司先行恢复供水，并推动{place}实行一户一表改造，原欠费由原产权单位与水务公司协商解决。",),
      compound_kinds=OLDER, village=False, urgent=0.4),
    T("residence_permit", "other", CaseKind.INQUIRY, 1, "person", "咨询居住证办理",
      ("我在这里租房住了半年，想办居住证让孩子在附近上学，需要什么材料？",),
      ("已答复：凭身份证、租房合同到社区办理居住登记，登记满半年可申领居住证。",),
      village=False, channels=PERSONAL_CHANNELS),
)  # fmt: skip
del T

# Steps' notes, as staff and residents write them.
RECEIVED_NOTE = "诉求已受理。"  # what check_create_case writes
AUTO_DISPATCH_NOTE = "按分派规则自动派单。"
REOPEN_NOTE = "居民不满意，退回原承办人重办。"
REMINDER_NOTE = "即将到期，请抓紧办理。"
ESCALATE_NOTE = "已超期，转街道督办。"
CALLBACK_PREFIX = "（电话回访）"
MERGE_NOTE = "与{target}反映的是同一问题，合并办理。"
DISPATCH_NOTES = ("", "", "请尽快核实处理。", "请与反映人联系后处理。")
RETURN_NOTES = (
    "经核实不属于本单位职责范围，请重新派单。",
    "该问题涉及小区共用部位，应由物业公司负责，申请改派。",
    "现场核实地址与反映不符，请核实后重新派单。",
)
REJECT_NOTES = (
    "经核实，该问题属于业主与开发商之间的合同纠纷，建议通过协商或诉讼途径解决。",
    "反映的地点不在本社区辖区，已告知反映人向所属社区反映。",
    "反映内容不具体，多次联系反映人未果，暂不予受理。",
)
WAIT_NOTES = ("请反映人补充具体位置和现场照片。", "需联系反映人核实具体情况，暂未联系上。")
CLOSE_NOTES = ("已核实办理结果，予以办结。", "经现场核实问题已解决，予以办结。", "")
REDO_REPLY_PREFIX = "重办答复："
SATISFIED_NOTES = ("处理很及时，谢谢！", "问题解决了，满意。", "", "", "态度很好。", "希望以后保持。")
UNSATISFIED_NOTES = (
    "问题还没有彻底解决。",
    "只是临时处理了一下，过几天又是老样子。",
    "没有人联系我，就直接说办结了。",
)
DUPLICATE_OPENINGS = ("", "之前已经有人反映过，", "我也反映一下，", "邻居说已经打过电话了，我再反映一次：")
