# Porter's email messages (ko). Every message of en.ftl, with the same variables.

days-ago = { $days }일
apartment-count = 세대 { $count }개
expiration-subject-end-user = 앱 서비스가 { days-ago } 전에 만료되었습니다
expiration-subject-staff = 앱 서비스 만료 후 { days-ago } 경과: { apartment-count }
greeting = { $name }님, 안녕하세요.
expiration-end-user = 세대의 앱 서비스가 { $date }에 만료되었습니다. 서비스를 갱신할 때까지 앱 통화와 기능을 사용할 수 없습니다.
expiration-staff = 다음 세대의 앱 서비스가 { days-ago } 전에 만료되었습니다:
apartment-line = { $community } · { $building } · { $apartment } ({ $date } 만료)
renew-contact = 갱신하려면 관리자 또는 설치업체에 문의하세요: { $contact }
renew-contact-none = 갱신하려면 관리자 또는 설치업체에 문의하세요.
renew-link = 서비스 갱신
renewal-subject = 앱 서비스가 갱신되었습니다
renewal-body = { $community } { $building } { $apartment } 세대의 앱 서비스가 { $date }까지 갱신되었습니다.
footer = 이 메일은 자동으로 발송되었습니다. 회신하지 마세요.
