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
invitation-subject = { $community } 앱 계정
invitation-body = 입주민 앱 계정이 생성되었습니다: { $community } { $building } { $apartment } 세대. 로그인하려면 비밀번호를 설정하세요:
invitation-body-member = { $community } { $building } { $apartment } 세대의 가족 구성원으로 추가되었습니다. 입주민 앱에 로그인하려면 비밀번호를 설정하세요:
set-password-link = 비밀번호 설정
invitation-expiry = 이 링크는 7일 동안 한 번만 사용할 수 있습니다.
reset-subject = 앱 비밀번호 재설정
reset-body = 입주민 앱 계정의 비밀번호 재설정이 요청되었습니다. 본인이 요청한 경우 새 비밀번호를 설정하세요:
reset-expiry = 이 링크는 1시간 동안 한 번만 사용할 수 있습니다. 요청하지 않았다면 이 메일을 무시하세요.
