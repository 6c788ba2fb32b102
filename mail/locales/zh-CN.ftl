# Porter's email messages (zh-CN). Every message of en.ftl, with the same variables.

days-ago = { $days } 天
apartment-count = { $count } 个房间
expiration-subject-end-user = 您的应用服务已过期 { days-ago }
expiration-subject-staff = 应用服务已过期 { days-ago }：{ apartment-count }
greeting = { $name }，您好：
expiration-end-user = 您所在房间的应用服务已于 { $date } 过期。续费之前，应用的通话和各项功能将停止使用。
expiration-staff = 以下房间的应用服务已过期 { days-ago }：
apartment-line = { $community } · { $building } · { $apartment }（{ $date } 过期）
renew-contact = 如需续费，请联系您的物业经理或安装商：{ $contact }
renew-contact-none = 如需续费，请联系您的物业经理或安装商。
renew-link = 续费服务
renewal-subject = 您的应用服务已续费
renewal-body = { $community } { $building } { $apartment } 房间的应用服务已续费至 { $date }。
footer = 此邮件由系统自动发送，请勿回复。
invitation-subject = 您在 { $community } 的应用账号
invitation-body = 已为您创建住户应用账号：{ $community } { $building } { $apartment } 房间。请设置密码以登录：
invitation-body-member = 您已被添加为 { $community } { $building } { $apartment } 房间的家庭成员。请设置密码以登录住户应用：
set-password-link = 设置密码
invitation-expiry = 该链接仅可使用一次，7 天内有效。
reset-subject = 重置您的应用密码
reset-body = 有人请求重置您的住户应用账号密码。如果是您本人，请设置新密码：
reset-expiry = 该链接仅可使用一次，1 小时内有效。如果不是您本人的请求，请忽略此邮件。
