package dev.caravan.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DigestCredentialsTest {

    private static final String ANN = "0123456789abcdef0123456789abcdef";
    private static final String BO = "fedcba9876543210fedcba9876543210";

    private static Secret secret(Map<String, String> data) {
        SecretBuilder secret = new SecretBuilder().withNewMetadata().withName("users").endMetadata();
        data.forEach((key, value) -> secret.addToData(key,
                Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8))));
        return secret.build();
    }

    @Test
    void readsHtdigestLinesOfTheRealmAsked() {
        Secret file = secret(Map.of("auth", "# staff\nann:Staff:" + ANN + "\r\nbo:Staff:" + BO + "\nann:Other:" + BO + "\n"));
        DigestCredentials staff = DigestCredentials.fromSecret(file, false, "Staff");
        assertThat(staff.realm()).isEqualTo("Staff");
        assertThat(staff.ha1Of("ann")).isEqualTo(ANN);
        assertThat(staff.ha1Of("bo")).isEqualTo(BO);
        assertThat(staff.size()).isEqualTo(2);
        DigestCredentials other = DigestCredentials.fromSecret(file, false, "Other");
        assertThat(other.ha1Of("ann")).isEqualTo(BO);
        assertThat(other.ha1Of("bo")).isNull();
        assertThat(DigestCredentials.fromSecret(secret(Map.of("ann", "Staff:" + ANN)), true, "Staff").ha1Of("ann"))
                .isEqualTo(ANN);
    }

    @Test
    void withoutAuthRealmTheSecretsOneRealmIsAsked() {
        assertThat(DigestCredentials.fromSecret(secret(Map.of("auth", "ann:Staff:" + ANN)), false, "").realm())
                .isEqualTo("Staff");
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("auth", "ann:A:" + ANN + "\nbo:B:" + BO)),
                false, "")).hasMessageContaining("2 realms [A, B]").hasMessageContaining("auth-realm");
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("auth", "ann:say \"hi\":" + ANN)), false,
                "")).hasMessageContaining("quoted realm");
    }

    @Test
    void whatIsNotHtdigestIsNamedWithoutItsHash() {
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("auth", "ann:Staff:" + ANN)), false,
                "Elsewhere")).hasMessageContaining("no user of realm 'Elsewhere'").hasMessageContaining("[Staff]");
        // an htpasswd line, as basic authentication's
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("auth", "ann:Staff:" + ANN
                + "\nbo:$apr1$salt$hash")), false, "Staff")).hasMessage("line 2 of 'auth' is not user:realm:HA1 (32 hex"
                        + " digits), as htdigest writes");
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("ann", ANN)), true, "Staff"))
                .hasMessageContaining("user ann is not realm:HA1").hasMessageNotContaining(ANN);
        assertThatThrownBy(() -> DigestCredentials.fromSecret(secret(Map.of("other", "x")), false, "Staff"))
                .hasMessageContaining("no key 'auth'");
    }
}
