/// The built-in list of common English and German words and passwords for `dictionaryWordsDeclined`.
///
/// Used when the policy lists no words of its own. All entries are lower case and at least
/// ``minimumWordLength`` characters long; a password is rejected when it contains one as a
/// case-insensitive substring.
public enum PasswordDictionary {
    /// Shorter words are ignored: they would reject too many random passwords.
    public static let minimumWordLength = 4

    /// The default words (284 entries).
    public static let defaultWords: [String] = [
        "abc123", "access", "account", "admin", "administrator", "aendern", "andrew", "anfang", "angel",
        "anmelden", "apfel", "apple", "april", "arbeit", "august", "auto", "autumn", "banana", "banane",
        "baseball", "basketball", "batman", "bayern", "beispiel", "benutzer", "berlin", "bier", "bitte",
        "black", "blau", "blessed", "blue", "blume", "borussia", "braun", "brown", "bruder", "buero",
        "business", "buster", "büro", "change", "changeme", "charlie", "cheese", "cherry", "chocolate",
        "christ", "coffee", "company", "computer", "cookie", "corvette", "daniel", "danke", "december",
        "default", "demo", "deutschland", "devil", "dezember", "diamond", "dienstag", "donnerstag", "dragon",
        "dresden", "ende", "engel", "erdbeere", "example", "fall", "familie", "family", "februar", "february",
        "ferrari", "fertig", "firma", "fisch", "flower", "football", "frankfurt", "freedom", "freiheit",
        "freitag", "freund", "freundin", "friday", "frieden", "friend", "friends", "fruehling", "frühling",
        "fussball", "fußball", "garden", "garten", "geheim", "geheimnis", "gelb", "germany", "gestern",
        "ginger", "glueck", "glück", "gold", "golden", "gott", "green", "gruen", "grün", "guest", "hallo",
        "hamburg", "happy", "harley", "hase", "haus", "heaven", "hell", "hello", "herbst", "heute", "himmel",
        "hockey", "hoelle", "home", "honig", "house", "hund", "hunter", "hölle", "iloveyou", "internet",
        "januar", "january", "jennifer", "jessica", "jesus", "jordan", "joshua", "juli", "july", "june", "juni",
        "kaffee", "katze", "kennwort", "killer", "kind", "kinder", "kirsche", "koeln", "kuchen", "köln",
        "leipzig", "letmein", "liebe", "liebling", "lila", "login", "love", "lovely", "lucky", "maerz", "magic",
        "manager", "march", "master", "matthew", "maus", "mausi", "mercedes", "michael", "mittwoch", "mond",
        "monday", "money", "monkey", "montag", "morgen", "muenchen", "mustang", "mutter", "märz", "münchen",
        "network", "november", "october", "office", "oktober", "orange", "pass", "passw0rd", "password",
        "passwort", "peace", "pepper", "pferd", "pink", "porsche", "power", "princess", "private", "probe",
        "purple", "qwerty", "ranger", "rechner", "robert", "rosa", "sample", "samstag", "saturday", "schalke",
        "schatz", "schatzi", "schluessel", "schlüssel", "schokolade", "schule", "schwarz", "schwester",
        "secret", "secure", "security", "september", "server", "service", "shadow", "sicher", "sicherheit",
        "silber", "silver", "smile", "soccer", "sohn", "sommer", "sonne", "sonntag", "spring", "start",
        "starwars", "stern", "stuttgart", "summer", "sunday", "sunshine", "superman", "support", "system",
        "test", "testen", "testing", "teufel", "thomas", "thursday", "tigger", "tochter", "today", "tomorrow",
        "traum", "trustno1", "tuesday", "user", "vater", "vogel", "wasser", "wednesday", "wein", "weiss",
        "weiß", "welcome", "werder", "whatever", "white", "willkommen", "winter", "word", "yellow", "yesterday",
        "zucker", "zugang", "ändern",
    ]
}
