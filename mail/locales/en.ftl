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
invitation-subject = Your app account for { $community }
invitation-body = An account for the residents' app has been created for you: apartment { $apartment } ({ $building }, { $community }). Set your password to sign in:
invitation-body-member = You have been added as a family member of apartment { $apartment } ({ $building }, { $community }). Set your password to sign in to the residents' app:
set-password-link = Set your password
invitation-expiry = The link works once, for 7 days.
reset-subject = Reset your app password
reset-body = Someone asked to reset the password of your residents' app account. If it was you, set a new password:
reset-expiry = The link works once, for one hour. If you did not ask for it, ignore this message.
manager-account-subject = Your property manager account
manager-account-body = { $installer } has created a property manager account for you. You sign in to the portal with your email address, { $email }. Set your password to sign in:
manager-reset-subject = Reset your portal password
manager-reset-body = A new password was requested for your property manager account, by your installer or from the sign-in page. Set a new password:
manager-reset-expiry = The link works once, for 24 hours. If you did not expect it, ignore this message: your password stays as it is.
