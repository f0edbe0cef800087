package dev.caravan.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAKeyGenParameterSpec;
import org.junit.jupiter.api.Test;

/** A key is its certificate's by the public key it determines; any other key is not, whatever its type. */
class KeyPairsTest {

    @Test
    void anEcKeyMatchesItsOwnPublicKeyOnEveryNamedCurve() throws Exception {
        for (String curve : new String[] {"secp256r1", "secp384r1", "secp521r1"}) {
            KeyPair pair = ec(curve);
            KeyPair other = ec(curve);
            assertThat(KeyPairs.match(pair.getPrivate(), pair.getPublic())).as(curve).isTrue();
            assertThat(KeyPairs.match(other.getPrivate(), pair.getPublic())).as(curve).isFalse();
        }
        // the same scalar on another curve is another key
        assertThat(KeyPairs.match(ec("secp256r1").getPrivate(), ec("secp384r1").getPublic())).isFalse();
    }

    @Test
    void aScalarThatIsNoKeyMatchesNothingAndThrowsNothing() throws Exception {
        KeyPair pair = ec("secp256r1");
        ECParameterSpec curve = ((ECPrivateKey) pair.getPrivate()).getParams();
        KeyFactory factory = KeyFactory.getInstance("EC");
        for (BigInteger scalar : new BigInteger[] {curve.getOrder(), curve.getOrder().add(BigInteger.ONE)}) {
            PrivateKey degenerate = factory.generatePrivate(new ECPrivateKeySpec(scalar, curve));
            assertThat(KeyPairs.match(degenerate, pair.getPublic())).as(scalar.toString(16)).isFalse();
        }
        // 1 is a key, whose public key is the generator: n + 1, the same multiple, is refused above all the same
        PrivateKey one = factory.generatePrivate(new ECPrivateKeySpec(BigInteger.ONE, curve));
        assertThat(KeyPairs.match(one, factory.generatePublic(new ECPublicKeySpec(curve.getGenerator(), curve))))
                .isTrue();
    }

    @Test
    void anRsaKeyMatchesByModulusAndExponent() throws Exception {
        KeyPair pair = rsa(RSAKeyGenParameterSpec.F4);
        assertThat(KeyPairs.match(pair.getPrivate(), pair.getPublic())).isTrue();
        assertThat(KeyPairs.match(rsa(RSAKeyGenParameterSpec.F4).getPrivate(), pair.getPublic())).isFalse();
    }

    @Test
    void keysOfAnotherTypeNeverMatch() throws Exception {
        KeyPair rsa = rsa(RSAKeyGenParameterSpec.F4);
        KeyPair ec = ec("secp256r1");
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        assertThat(KeyPairs.match(rsa.getPrivate(), ec.getPublic())).isFalse();
        assertThat(KeyPairs.match(ec.getPrivate(), rsa.getPublic())).isFalse();
        assertThat(KeyPairs.match(ed.getPrivate(), ed.getPublic())).isTrue();
        assertThat(KeyPairs.match(ed.getPrivate(), ec.getPublic())).isFalse();
        assertThat(KeyPairs.match(KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPrivate(),
                ed.getPublic())).isFalse();
        KeyPair ed448 = KeyPairGenerator.getInstance("Ed448").generateKeyPair();
        assertThatThrownBy(() -> KeyPairs.match(ed448.getPrivate(), ed448.getPublic()))
                .hasMessage("tls.key is a Ed448 key; Caravan serves RSA, EC and Ed25519 keys");
        KeyPair pss = KeyPairGenerator.getInstance("RSASSA-PSS").generateKeyPair();
        assertThatThrownBy(() -> KeyPairs.match(pss.getPrivate(), pss.getPublic()))
                .hasMessageContaining("Caravan serves RSA, EC and Ed25519 keys");
        KeyPair dsa = KeyPairGenerator.getInstance("DSA").generateKeyPair();
        assertThatThrownBy(() -> KeyPairs.match(dsa.getPrivate(), dsa.getPublic()))
                .hasMessageContaining("Caravan serves RSA, EC and Ed25519 keys");
    }

    private static KeyPair ec(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair();
    }

    private static KeyPair rsa(BigInteger exponent) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(new RSAKeyGenParameterSpec(2048, exponent));
        return generator.generateKeyPair();
    }
}
