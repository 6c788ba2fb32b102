# Porter's email messages (vi). Every message of en.ftl, with the same variables.

days-ago = { $days } ngày
apartment-count = { $count } căn hộ
expiration-subject-end-user = Dịch vụ ứng dụng của bạn đã hết hạn { days-ago } trước
expiration-subject-staff = Dịch vụ ứng dụng đã hết hạn { days-ago } trước: { apartment-count }
greeting = Xin chào { $name },
expiration-end-user = Dịch vụ ứng dụng của căn hộ bạn đã hết hạn vào ngày { $date }. Cuộc gọi và các tính năng của ứng dụng sẽ ngừng cho đến khi dịch vụ được gia hạn.
expiration-staff = Dịch vụ ứng dụng của các căn hộ sau đã hết hạn { days-ago } trước:
apartment-line = { $community } · { $building } · { $apartment } (hết hạn ngày { $date })
renew-contact = Để gia hạn, vui lòng liên hệ ban quản lý hoặc đơn vị lắp đặt: { $contact }
renew-contact-none = Để gia hạn, vui lòng liên hệ ban quản lý hoặc đơn vị lắp đặt.
renew-link = Gia hạn dịch vụ
renewal-subject = Dịch vụ ứng dụng của bạn đã được gia hạn
renewal-body = Dịch vụ ứng dụng của căn hộ { $apartment } ({ $building }, { $community }) đã được gia hạn đến ngày { $date }.
footer = Thư này được gửi tự động, vui lòng không trả lời.
invitation-subject = Tài khoản ứng dụng của bạn tại { $community }
invitation-body = Tài khoản ứng dụng cư dân đã được tạo cho bạn: căn hộ { $apartment } ({ $building }, { $community }). Hãy đặt mật khẩu để đăng nhập:
invitation-body-member = Bạn đã được thêm làm thành viên gia đình của căn hộ { $apartment } ({ $building }, { $community }). Hãy đặt mật khẩu để đăng nhập ứng dụng cư dân:
set-password-link = Đặt mật khẩu
invitation-expiry = Liên kết chỉ dùng được một lần trong 7 ngày.
reset-subject = Đặt lại mật khẩu ứng dụng
reset-body = Có yêu cầu đặt lại mật khẩu tài khoản ứng dụng cư dân của bạn. Nếu đó là bạn, hãy đặt mật khẩu mới:
reset-expiry = Liên kết chỉ dùng được một lần trong một giờ. Nếu bạn không yêu cầu, hãy bỏ qua thư này.
