# Porter's email messages (bs). Every message of en.ftl, with the same variables.

days-ago =
    { $days ->
        [one] { $days } dan
       *[other] { $days } dana
    }
apartment-count =
    { $count ->
        [one] { $count } stan
        [few] { $count } stana
       *[other] { $count } stanova
    }
expiration-subject-end-user = Usluga aplikacije je istekla prije { days-ago }
expiration-subject-staff = Usluga aplikacije istekla je prije { days-ago }: { apartment-count }
greeting = Poštovani { $name },
expiration-end-user = Usluga aplikacije za vaš stan istekla je { $date }. Do obnove pozivi i funkcije aplikacije nisu dostupni.
expiration-staff = Usluga aplikacije za ove stanove istekla je prije { days-ago }:
apartment-line = { $community } · { $building } · { $apartment } (isteklo { $date })
renew-contact = Za obnovu se obratite upravitelju zgrade ili instalateru: { $contact }
renew-contact-none = Za obnovu se obratite upravitelju zgrade ili instalateru.
renew-link = Obnovi uslugu
renewal-subject = Vaša usluga aplikacije je obnovljena
renewal-body = Usluga aplikacije za stan { $apartment } ({ $building }, { $community }) obnovljena je do { $date }.
footer = Ova poruka je poslana automatski; molimo ne odgovarajte na nju.
invitation-subject = Vaš račun aplikacije za { $community }
invitation-body = Za vas je otvoren račun u aplikaciji za stanare: stan { $apartment } ({ $building }, { $community }). Postavite lozinku da biste se prijavili:
invitation-body-member = Dodani ste kao član porodice u stanu { $apartment } ({ $building }, { $community }). Postavite lozinku da biste se prijavili u aplikaciju za stanare:
set-password-link = Postavite lozinku
invitation-expiry = Link radi jednom, 7 dana.
reset-subject = Ponovno postavljanje lozinke aplikacije
reset-body = Zatraženo je ponovno postavljanje lozinke vašeg računa u aplikaciji za stanare. Ako ste to bili vi, postavite novu lozinku:
reset-expiry = Link radi jednom, jedan sat. Ako to niste tražili, zanemarite ovu poruku.
manager-account-subject = Vaš račun upravitelja nekretnine
manager-account-body = { $installer } je za vas otvorio račun upravitelja nekretnine. Na portal se prijavljujete svojom e-mail adresom, { $email }. Postavite lozinku za prijavu:
manager-reset-subject = Ponovo postavite lozinku portala
manager-reset-body = Za vaš račun upravitelja nekretnine zatražena je nova lozinka, od strane instalatera ili sa stranice za prijavu. Postavite novu lozinku:
manager-reset-expiry = Link radi jednom, 24 sata. Ako ga niste očekivali, zanemarite ovu poruku: vaša lozinka ostaje ista.
