# Porter's email messages (en). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
apartment-count =
    { $count ->
        [one] { $count } apartment
       *[other] { $count } apartments
    }
expiration-subject-end-user = Your app service expired { days-ago } ago
expiration-subject-staff = App service expired { days-ago } ago: { apartment-count }
greeting = Hello { $name },
expiration-end-user = The app service of your apartment expired on { $date }. Calls to the app and its features stop until the service is renewed.
expiration-staff = The app service of these apartments expired { days-ago } ago:
apartment-line = { $community } · { $building } · { $apartment } (expired on { $date })
renew-contact = To renew it, contact your property manager or installer: { $contact }
renew-contact-none = To renew it, contact your property manager or installer.
renew-link = Renew the service
renewal-subject = Your app service has been renewed
renewal-body = The app service of apartment { $apartment } ({ $building }, { $community }) has been renewed until { $date }.
footer = This message was sent automatically; please do not reply to it.
