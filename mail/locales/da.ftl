# Porter's email messages (da). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } dag
       *[other] { $days } dage
    }
apartment-count =
    { $count ->
        [one] { $count } lejlighed
       *[other] { $count } lejligheder
    }
expiration-subject-end-user = Din app-tjeneste udløb for { days-ago } siden
expiration-subject-staff = App-tjeneste udløbet for { days-ago } siden: { apartment-count }
greeting = Hej { $name },
expiration-end-user = App-tjenesten for din lejlighed udløb den { $date }. Opkald og funktioner i appen er ikke tilgængelige, før tjenesten fornyes.
expiration-staff = App-tjenesten for disse lejligheder udløb for { days-ago } siden:
apartment-line = { $community } · { $building } · { $apartment } (udløb den { $date })
renew-contact = Kontakt din ejendomsadministrator eller installatør for at forny den: { $contact }
renew-contact-none = Kontakt din ejendomsadministrator eller installatør for at forny den.
renew-link = Forny tjenesten
renewal-subject = Din app-tjeneste er fornyet
renewal-body = App-tjenesten for lejlighed { $apartment } ({ $building }, { $community }) er fornyet til { $date }.
footer = Denne besked er sendt automatisk; svar venligst ikke på den.
invitation-subject = Din app-konto for { $community }
invitation-body = Der er oprettet en konto til dig i beboerappen: lejlighed { $apartment } ({ $building }, { $community }). Vælg din adgangskode for at logge ind:
invitation-body-member = Du er tilføjet som familiemedlem i lejlighed { $apartment } ({ $building }, { $community }). Vælg din adgangskode for at logge ind i beboerappen:
set-password-link = Vælg adgangskode
invitation-expiry = Linket virker én gang i 7 dage.
reset-subject = Nulstil din app-adgangskode
reset-body = Der er bedt om at nulstille adgangskoden til din konto i beboerappen. Hvis det var dig, så vælg en ny adgangskode:
reset-expiry = Linket virker én gang i en time. Hvis du ikke har bedt om det, kan du se bort fra denne besked.
manager-account-subject = Din konto som ejendomsadministrator
manager-account-body = { $installer } har oprettet en konto som ejendomsadministrator til dig. Du logger ind på portalen med din e-mailadresse, { $email }. Vælg din adgangskode for at logge ind:
manager-reset-subject = Nulstil din adgangskode til portalen
manager-reset-body = Der er bedt om en ny adgangskode til din konto som ejendomsadministrator, af din installatør eller fra login-siden. Vælg en ny adgangskode:
manager-reset-expiry = Linket virker én gang i 24 timer. Hvis du ikke ventede det, så se bort fra denne besked: din adgangskode forbliver uændret.
