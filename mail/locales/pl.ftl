# Porter's email messages (pl). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } dzień
       *[other] { $days } dni
    }
apartment-count =
    { $count ->
        [one] { $count } mieszkanie
        [few] { $count } mieszkania
        [many] { $count } mieszkań
       *[other] { $count } mieszkania
    }
expiration-subject-end-user = Usługa aplikacji wygasła { days-ago } temu
expiration-subject-staff = Usługa aplikacji wygasła { days-ago } temu: { apartment-count }
greeting = Dzień dobry { $name },
expiration-end-user = Usługa aplikacji w Twoim mieszkaniu wygasła { $date }. Do czasu jej odnowienia połączenia i funkcje aplikacji są niedostępne.
expiration-staff = Usługa aplikacji w tych mieszkaniach wygasła { days-ago } temu:
apartment-line = { $community } · { $building } · { $apartment } (wygasła { $date })
renew-contact = Aby ją odnowić, skontaktuj się z zarządcą lub instalatorem: { $contact }
renew-contact-none = Aby ją odnowić, skontaktuj się z zarządcą lub instalatorem.
renew-link = Odnów usługę
renewal-subject = Usługa aplikacji została odnowiona
renewal-body = Usługa aplikacji w mieszkaniu { $apartment } ({ $building }, { $community }) została odnowiona do { $date }.
footer = Ta wiadomość została wysłana automatycznie; prosimy na nią nie odpowiadać.
invitation-subject = Twoje konto w aplikacji: { $community }
invitation-body = Utworzono dla Ciebie konto w aplikacji mieszkańca: mieszkanie { $apartment } ({ $building }, { $community }). Ustaw hasło, aby się zalogować:
invitation-body-member = Dodano Cię jako członka rodziny w mieszkaniu { $apartment } ({ $building }, { $community }). Ustaw hasło, aby zalogować się do aplikacji mieszkańca:
set-password-link = Ustaw hasło
invitation-expiry = Link działa jeden raz przez 7 dni.
reset-subject = Zresetuj hasło do aplikacji
reset-body = Poproszono o zresetowanie hasła do Twojego konta w aplikacji mieszkańca. Jeśli to Ty, ustaw nowe hasło:
reset-expiry = Link działa jeden raz przez godzinę. Jeśli to nie Ty, zignoruj tę wiadomość.
manager-account-subject = Twoje konto zarządcy nieruchomości
manager-account-body = { $installer } utworzył dla Ciebie konto zarządcy nieruchomości. Do portalu logujesz się swoim adresem e-mail, { $email }. Ustaw hasło, aby się zalogować:
manager-reset-subject = Zresetuj hasło do portalu
manager-reset-body = Poproszono o nowe hasło do Twojego konta zarządcy nieruchomości, przez instalatora lub ze strony logowania. Ustaw nowe hasło:
manager-reset-expiry = Link działa jeden raz, przez 24 godziny. Jeśli się go nie spodziewałeś, zignoruj tę wiadomość: hasło pozostaje bez zmian.
