package dev.walarchive.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Where and how to connect to PostgreSQL, resolved as {@code psql} resolves it: a connection URL
 * ({@code postgresql://user@host:port/dbname?sslmode=require} or {@code
 * jdbc:postgresql://host:port/dbname?user=...}), with whatever it leaves out taken from the libpq
 * environment ({@code PGHOST}, {@code PGPORT}, {@code PGUSER}, {@code PGPASSWORD}, {@code
 * PGDATABASE}, {@code PGSSLMODE}, {@code PGCONNECT_TIMEOUT}, {@code PGAPPNAME}), and a missing
 * password looked up in {@code PGPASSFILE} or {@code ~/.pgpass}.
 *
 * <p>Connections go over TCP: a Unix socket directory as host (for example {@code
 * PGHOST=/var/run/postgresql}) is refused with a message saying to use {@code 127.0.0.1}, since
 * Java 17 cannot open Unix sockets for the JDBC driver. Without any host, {@code localhost} is used
 * (libpq would use its default socket directory).
 *
 * <p>The password is never part of {@link #toString()} or of any exception message.
 */
public final class PgConnectionSettings {
  private static final int DEFAULT_PORT = 5432;

  private final String host;
  private final int port;
  private final String database;
  private final String user;
  private final String password;
  private final Map<String, String> parameters;

  private PgConnectionSettings(
      String host,
      int port,
      String database,
      String user,
      String password,
      Map<String, String> parameters) {
    this.host = host;
    this.port = port;
    this.database = database;
    this.user = user;
    this.password = password;
    this.parameters = Map.copyOf(parameters);
  }

  /** From the libpq environment variables in {@code env} alone. */
  public static PgConnectionSettings fromEnvironment(Map<String, String> env) {
    return resolve(null, null, null, null, null, new LinkedHashMap<>(), env);
  }

  /**
   * From a connection URL, completed from the libpq environment in {@code env}.
   *
   * @throws IllegalArgumentException if the URL is malformed or names a Unix socket (the message
   *     never contains the password)
   */
  public static PgConnectionSettings fromUrl(String url, Map<String, String> env) {
    requireNonNull(url, "url is null");
    requireNonNull(env, "env is null");
    String rest;
    if (url.startsWith("jdbc:postgresql://")) {
      rest = url.substring("jdbc:postgresql://".length());
    } else if (url.startsWith("postgresql://")) {
      rest = url.substring("postgresql://".length());
    } else if (url.startsWith("postgres://")) {
      rest = url.substring("postgres://".length());
    } else {
      throw new IllegalArgumentException(
          "connection URL must start with postgresql:// or jdbc:postgresql:// (got "
              + schemeOf(url)
              + ")");
    }
    Map<String, String> query = new LinkedHashMap<>();
    int q = rest.indexOf('?');
    if (q >= 0) {
      for (String pair : rest.substring(q + 1).split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        if (eq <= 0) {
          throw new IllegalArgumentException(
              "a connection URL parameter has no value; write name=value");
        }
        query.put(decode(pair.substring(0, eq)), decode(pair.substring(eq + 1)));
      }
      rest = rest.substring(0, q);
    }
    String database = null;
    int slash = rest.indexOf('/');
    if (slash >= 0) {
      database = decode(rest.substring(slash + 1));
      rest = rest.substring(0, slash);
    }
    String user = null;
    String password = null;
    int at = rest.lastIndexOf('@');
    if (at >= 0) {
      String userInfo = rest.substring(0, at);
      rest = rest.substring(at + 1);
      int colon = userInfo.indexOf(':');
      if (colon >= 0) {
        password = decode(userInfo.substring(colon + 1));
        userInfo = userInfo.substring(0, colon);
      }
      user = userInfo.isEmpty() ? null : decode(userInfo);
    }
    String host = null;
    String port = null;
    if (!rest.isEmpty()) {
      if (rest.contains(",")) {
        throw new IllegalArgumentException(
            "connection URL names several hosts; name the one server to check");
      }
      int colon = rest.lastIndexOf(':');
      if (colon >= 0 && !rest.endsWith("]")) {
        port = rest.substring(colon + 1);
        rest = rest.substring(0, colon);
      }
      host = rest.isEmpty() ? null : decode(rest);
    }
    String h = query.remove("host");
    host = h != null ? h : host;
    String p = query.remove("port");
    port = p != null ? p : port;
    String u = query.remove("user");
    user = u != null ? u : user;
    String pw = query.remove("password");
    password = pw != null ? pw : password;
    String db = query.remove("dbname");
    database = db != null ? db : database;
    if (database != null && database.isEmpty()) {
      database = null;
    }
    return resolve(host, port, database, user, password, query, env);
  }

  private static PgConnectionSettings resolve(
      String host,
      String port,
      String database,
      String user,
      String password,
      Map<String, String> query,
      Map<String, String> env) {
    host = first(host, env.get("PGHOST"), "localhost");
    if (host.startsWith("/") || host.startsWith("@")) {
      throw new IllegalArgumentException(
          "host '"
              + host
              + "' is a Unix socket directory, which walarchive cannot connect through; connect"
              + " over TCP: set PGHOST=127.0.0.1 or use --pg postgresql://127.0.0.1:5432/postgres");
    }
    String portText = first(port, env.get("PGPORT"), Integer.toString(DEFAULT_PORT));
    int portNumber;
    try {
      portNumber = Integer.parseInt(portText.trim());
    } catch (NumberFormatException e) {
      portNumber = -1;
    }
    if (portNumber < 1 || portNumber > 65535) {
      // the text is not echoed: in a mistyped URL it may be part of the password
      throw new IllegalArgumentException(
          "the port (PGPORT, or the URL's :port) is not a TCP port; use a number from 1 to 65535");
    }
    user = first(user, env.get("PGUSER"), first(env.get("USER"), env.get("LOGNAME"), "postgres"));
    database = first(database, env.get("PGDATABASE"), user);
    password = password != null ? password : env.get("PGPASSWORD");
    Map<String, String> parameters = new LinkedHashMap<>();
    putIfSet(parameters, "sslmode", first(query.remove("sslmode"), env.get("PGSSLMODE"), null));
    putIfSet(
        parameters,
        "connect_timeout",
        first(query.remove("connect_timeout"), env.get("PGCONNECT_TIMEOUT"), null));
    putIfSet(
        parameters,
        "application_name",
        first(query.remove("application_name"), env.get("PGAPPNAME"), null));
    String passfile = first(query.remove("passfile"), env.get("PGPASSFILE"), null);
    for (Map.Entry<String, String> e : query.entrySet()) {
      if (!e.getKey().matches("[A-Za-z][A-Za-z0-9_]*")) {
        throw new IllegalArgumentException(
            "a connection URL parameter name is not a valid name (letters, digits, _)");
      }
      parameters.put(e.getKey(), e.getValue());
    }
    if (password == null) {
      Path file =
          passfile != null
              ? Path.of(passfile)
              : env.get("HOME") == null ? null : Path.of(env.get("HOME"), ".pgpass");
      if (file != null) {
        password = PgPass.lookup(file, host, portNumber, database, user);
      }
    }
    return new PgConnectionSettings(host, portNumber, database, user, password, parameters);
  }

  private static void putIfSet(Map<String, String> m, String k, String v) {
    if (v != null && !v.isEmpty()) {
      m.put(k, v);
    }
  }

  private static String first(String a, String b, String c) {
    if (a != null && !a.isEmpty()) {
      return a;
    }
    if (b != null && !b.isEmpty()) {
      return b;
    }
    return c;
  }

  private static String decode(String s) {
    try {
      return URLDecoder.decode(s.replace("+", "%2B"), UTF_8);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("connection URL has a bad %-escape");
    }
  }

  private static String schemeOf(String url) {
    int colon = url.indexOf(':');
    String scheme = colon > 0 ? url.substring(0, colon) : "";
    return scheme.matches("[A-Za-z][A-Za-z0-9+.-]{0,20}") ? "'" + scheme + ":'" : "no scheme";
  }

  /** The host name or address. */
  public String host() {
    return host;
  }

  /** The TCP port. */
  public int port() {
    return port;
  }

  /** The database name. */
  public String database() {
    return database;
  }

  /** The user name. */
  public String user() {
    return user;
  }

  /** Whether a password was given (in the URL, {@code PGPASSWORD} or the password file). */
  public boolean hasPassword() {
    return password != null;
  }

  /**
   * Opens a connection with pgjdbc.
   *
   * @throws SQLException if the server cannot be reached or refuses the login
   */
  public Connection connect() throws SQLException {
    Properties properties = new Properties();
    properties.setProperty("user", user);
    if (password != null) {
      properties.setProperty("password", password);
    }
    properties.setProperty("ApplicationName", "walarchive-check");
    properties.setProperty("connectTimeout", "10");
    properties.setProperty("loginTimeout", "20");
    for (Map.Entry<String, String> e : parameters.entrySet()) {
      switch (e.getKey()) {
        case "sslmode" -> properties.setProperty("sslmode", e.getValue());
        case "connect_timeout" -> properties.setProperty("connectTimeout", e.getValue());
        case "application_name" -> properties.setProperty("ApplicationName", e.getValue());
        default -> properties.setProperty(e.getKey(), e.getValue());
      }
    }
    String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    String url =
        "jdbc:postgresql://"
            + h
            + ":"
            + port
            + "/"
            + java.net.URLEncoder.encode(database, UTF_8).replace("+", "%20");
    return DriverManager.getConnection(url, properties);
  }

  /** {@code user@host:port/database}, never the password. */
  @Override
  public String toString() {
    return user + "@" + host + ":" + port + "/" + database;
  }

  /** Reads {@code ~/.pgpass}-format files. */
  static final class PgPass {
    private PgPass() {}

    static String lookup(Path file, String host, int port, String database, String user) {
      List<String> lines;
      try {
        if (!Files.isRegularFile(file)) {
          return null;
        }
        lines = Files.readAllLines(file, UTF_8);
      } catch (IOException e) {
        return null;
      }
      for (String line : lines) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        List<String> fields = split(line);
        if (fields.size() != 5) {
          continue;
        }
        if (matches(fields.get(0), host)
            && matches(fields.get(1), Integer.toString(port))
            && matches(fields.get(2), database)
            && matches(fields.get(3), user)) {
          return fields.get(4);
        }
      }
      return null;
    }

    private static boolean matches(String pattern, String value) {
      return pattern.equals("*") || pattern.equals(value);
    }

    static List<String> split(String line) {
      List<String> fields = new java.util.ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (int i = 0; i < line.length(); i++) {
        char c = line.charAt(i);
        if (c == '\\' && i + 1 < line.length()) {
          current.append(line.charAt(++i));
        } else if (c == ':' && fields.size() < 4) {
          fields.add(current.toString());
          current.setLength(0);
        } else {
          current.append(c);
        }
      }
      fields.add(current.toString());
      return fields;
    }
  }
}
