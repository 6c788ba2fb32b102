# Porter's email messages (ru). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } день
        [few] { $days } дня
        [many] { $days } дней
       *[other] { $days } дня
    }
apartment-count =
    { $count ->
        [one] { $count } квартира
        [few] { $count } квартиры
        [many] { $count } квартир
       *[other] { $count } квартиры
    }
expiration-subject-end-user = Срок услуги приложения истёк { days-ago } назад
expiration-subject-staff = Срок услуги приложения истёк { days-ago } назад: { apartment-count }
greeting = Здравствуйте, { $name }!
expiration-end-user = Срок услуги приложения для вашей квартиры истёк { $date }. До продления звонки и функции приложения недоступны.
expiration-staff = Срок услуги приложения для этих квартир истёк { days-ago } назад:
apartment-line = { $community } · { $building } · { $apartment } (истёк { $date })
renew-contact = Чтобы продлить услугу, обратитесь к управляющему или установщику: { $contact }
renew-contact-none = Чтобы продлить услугу, обратитесь к управляющему или установщику.
renew-link = Продлить услугу
renewal-subject = Услуга приложения продлена
renewal-body = Услуга приложения для квартиры { $apartment } ({ $building }, { $community }) продлена до { $date }.
footer = Это письмо отправлено автоматически, пожалуйста, не отвечайте на него.
invitation-subject = Ваша учётная запись приложения: { $community }
invitation-body = Для вас создана учётная запись в приложении для жильцов: квартира { $apartment } ({ $building }, { $community }). Задайте пароль, чтобы войти:
invitation-body-member = Вас добавили как члена семьи в квартиру { $apartment } ({ $building }, { $community }). Задайте пароль, чтобы войти в приложение для жильцов:
set-password-link = Задать пароль
invitation-expiry = Ссылка действует один раз в течение 7 дней.
reset-subject = Сброс пароля приложения
reset-body = Запрошен сброс пароля вашей учётной записи в приложении для жильцов. Если это были вы, задайте новый пароль:
reset-expiry = Ссылка действует один раз в течение часа. Если вы этого не запрашивали, просто проигнорируйте письмо.
manager-account-subject = Ваша учётная запись управляющего
manager-account-body = { $installer } создал для вас учётную запись управляющего. Вы входите на портал по своему адресу электронной почты, { $email }. Задайте пароль для входа:
manager-reset-subject = Сброс пароля портала
manager-reset-body = Для вашей учётной записи управляющего запрошен новый пароль — вашим установщиком или со страницы входа. Задайте новый пароль:
manager-reset-expiry = Ссылка работает один раз в течение 24 часов. Если вы её не ждали, проигнорируйте это письмо: ваш пароль не изменится.
